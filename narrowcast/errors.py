"""The findings users see: every problem with its file, line, column, field and a Dutch message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]

_SEVERITY_NL = {"error": "fout", "warning": "waarschuwing"}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in the content, pointing at the place a person can fix it."""

    file: str
    line: int
    column: int
    field: str
    message: str
    severity: Severity = "error"
    code: str = "invalid"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {_SEVERITY_NL[self.severity]}: {field}{self.message}"

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class NarrowcastError(Exception):
    """A user's mistake or an unusable environment: shown as a message, never a traceback."""


class ContentError(NarrowcastError):
    """The content has errors; nothing may be published."""

    def __init__(self, findings: Iterable[Finding], hint: str = ""):
        self.findings = sorted(findings)
        errors = [f for f in self.findings if f.is_error]
        text = summary(self.findings) + "; er is niets gepubliceerd\n" + "\n".join(str(f) for f in errors)
        super().__init__(text + (f"\n{hint}" if hint else ""))


def summary(findings: Iterable[Finding]) -> str:
    """'2 fouten, 1 waarschuwing' in Dutch."""
    findings = list(findings)
    errors = sum(f.is_error for f in findings)
    warnings = len(findings) - errors
    parts = [
        f"{errors} {'fout' if errors == 1 else 'fouten'}",
        f"{warnings} {'waarschuwing' if warnings == 1 else 'waarschuwingen'}",
    ]
    return ", ".join(parts)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


class DamagedFile(NarrowcastError):
    """A file narrowcast wrote itself (state, a log) that cannot be read back: which, where, what to do."""

    def __init__(self, file: str, problem: str, fix: str, line: int | None = None):
        where = f" (regel {line})" if line else ""
        super().__init__(f"{file} is beschadigd{where}: {problem}. {fix}")


_OS_PROBLEMS_NL = {
    "EACCES": "u mag hier niet schrijven", "EPERM": "u mag hier niet schrijven", "EROFS": "de map is alleen-lezen",
    "ENOSPC": "de schijf is vol", "EDQUOT": "de schijf is vol (quotum)", "ENOTDIR": "een deel van het pad is een bestand, geen map",
    "EISDIR": "dit is een map, geen bestand", "ENOENT": "de map bestaat niet (meer)", "EEXIST": "er staat al iets met die naam",
    "ELOOP": "een snelkoppeling (symlink) verwijst naar zichzelf",
}


def os_problem(exc: OSError) -> str:
    """What an OSError means, in Dutch: 'de schijf is vol'."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_PROBLEMS_NL.get(name) or (exc.strerror or str(exc))
