"""The publishing log: proposals, rejections and publications, append-only and tamper-evident.

`.state/publishing/log.jsonl`, one JSON record per line. Each record carries the hash of the one
before it (`prev`) and its own (`hash`), so a record changed, removed or moved by hand shows up in
`verify` (`narrowcast history --verify`).

Staff names are personal data (AVG). They sit in `people`, outside the hashed part; the hash covers
`people_digest`, a salted hash of them. After the retention period `erase_people` removes the
names and the salt, the digest stays, and the chain still verifies: what happened is kept, who
did it is gone.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..errors import DamagedFile, NarrowcastError, os_problem
from ..folder import STATE_DIR
from .snapshots import STORE, store_dir

LOG = "log.jsonl"
SHOWN = f"{STATE_DIR}/{STORE}/{LOG}"
KINDS = ("voorstel", "afwijzing", "publicatie")
_FIX = "Zet een reservekopie van .state terug; 'narrowcast history --verify' zegt welke regels niet kloppen"


@dataclass(frozen=True)
class Record:
    """One line of the log. `seq` numbers the records from 1: it is the id staff type."""

    seq: int
    kind: str  # voorstel | afwijzing | publicatie
    at: str  # ISO 8601, UTC
    snapshot: str | None = None  # the content it concerns
    message: str | None = None  # the proposer's words
    proposal: int | None = None  # a rejection or publication: the proposal it decides
    reason: str | None = None  # a rejection's reason
    forced: str | None = None  # the reason check errors were published anyway
    rollback_of: int | None = None  # a publication that puts an earlier one back
    screens: dict[str, dict[str, str]] | None = None  # a publication: screen -> {version, manifest (object hash)}
    people_digest: str = ""
    prev: str = ""
    hash: str = ""
    people: dict[str, str] | None = field(default=None, compare=False)  # role in this record -> name; None once erased
    salt: str | None = field(default=None, compare=False)

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def person(self, role: str) -> str | None:
        return (self.people or {}).get(role)

    def to_line(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def _canonical(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_hash(record: Record) -> str:
    """The hash over everything but the hash itself and the erasable names (their digest is in)."""
    data = asdict(record)
    for name in ("hash", "people", "salt"):
        data.pop(name)
    return hashlib.sha256(_canonical(data)).hexdigest()


def people_digest(people: dict[str, str], salt: str) -> str:
    return hashlib.sha256(salt.encode() + _canonical(people)).hexdigest()


def log_path(root: Path) -> Path:
    return store_dir(root) / LOG


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    path = store_dir(root) / "log.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise NarrowcastError(f"{STATE_DIR}/{STORE} kan niet gemaakt worden ({os_problem(exc)}); zorg dat "
                              "narrowcast in de map .state mag schrijven") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def read_log(root: Path) -> list[Record]:
    """Every record, oldest first; a line that is no record is named (file and line)."""
    try:
        data = log_path(root).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise NarrowcastError(f"{SHOWN} kan niet gelezen worden ({os_problem(exc)})") from None
    return [_parse(line, number) for number, line in enumerate(data.splitlines(), 1) if line.strip()]


def _parse(line: bytes, number: int) -> Record:
    try:
        raw = json.loads(line)
        record = Record(**raw)
    except (ValueError, TypeError) as exc:
        raise DamagedFile(SHOWN, f"geen geldig logboekrecord ({type(exc).__name__})", _FIX, line=number) from None
    if record.kind not in KINDS or not isinstance(record.seq, int):
        raise DamagedFile(SHOWN, f"onbekende soort record {record.kind!r}", _FIX, line=number)
    return record


def append(root: Path, kind: str, now: datetime, people: dict[str, str], **fields) -> Record:
    """Add a record at the end (under the log's lock) and return it with its number and hashes."""
    if kind not in KINDS:
        raise ValueError(kind)
    with _locked(root):
        records = read_log(root)
        last = records[-1] if records else None
        salt = secrets.token_hex(16)
        record = Record(seq=(last.seq + 1) if last else 1, kind=kind, at=now.astimezone(timezone.utc).isoformat(),
                        people_digest=people_digest(people, salt), prev=last.hash if last else "", people=people,
                        salt=salt, **fields)
        record = replace(record, hash=record_hash(record))
        try:
            with open(log_path(root), "ab") as out:
                out.write(record.to_line())
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise NarrowcastError(f"{SHOWN} kan niet bijgewerkt worden ({os_problem(exc)}); er is niets vastgelegd "
                                  "en niets gepubliceerd") from None
    return record


def verify(root: Path) -> list[str]:
    """What does not add up, in Dutch, one line per problem; empty when the whole chain holds."""
    problems: list[str] = []
    try:
        records = read_log(root)
    except DamagedFile as exc:
        return [str(exc)]
    previous = ""
    for number, record in enumerate(records, 1):
        where = f"regel {number} (record {record.seq})"
        if record.prev != previous:
            problems.append(f"{where}: verwijst niet naar het record ervoor; er is een record weggehaald, "
                            "verplaatst of ingevoegd")
        if record_hash(record) != record.hash:
            problems.append(f"{where}: de inhoud is gewijzigd nadat het record is geschreven")
        if record.people is not None and (record.salt is None
                                          or people_digest(record.people, record.salt) != record.people_digest):
            problems.append(f"{where}: de namen zijn gewijzigd nadat het record is geschreven")
        if record.seq != number:
            problems.append(f"{where}: het nummer klopt niet (verwacht {number})")
        previous = record.hash
    return problems


def erase_people(root: Path, before: datetime) -> int:
    """Remove the names from records older than `before` (the retention period); returns how many.

    The one rewrite of the log: under its lock, into a new file that replaces the old at once.
    """
    with _locked(root):
        records = read_log(root)
        old = [r for r in records if r.people is not None and r.moment < before]
        if not old:
            return 0
        kept = [replace(r, people=None, salt=None) if r in old else r for r in records]
        path = log_path(root)
        descriptor, temporary = tempfile.mkstemp(prefix=".log-", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.writelines(r.to_line() for r in kept)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise NarrowcastError(f"{SHOWN} kan niet bijgewerkt worden ({os_problem(exc)})") from None
    return len(old)
