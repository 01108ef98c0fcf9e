"""The publishing log: proposals, rejections and publications, append-only and tamper-evident.

`.state/publishing/log.jsonl`, one JSON record per line. Each record carries the hash of the one
before it (`prev`) and its own (`hash`), so a record changed, removed or moved by hand shows up in
`verify` (`narrowcast history --verify`). The last record's number and hash are also kept in the
state database (a second witness): records cut off the end, or a log rewritten as a whole with
fresh hashes, no longer match it. Whoever can write both files can still rewrite both; the head
that `verify` prints, noted somewhere else, is the answer to that (docs/publishing.md).

A last line cut off by a crash during a write was never a record (nobody was told it was
written): it is left out when reading, and the next append cuts it off first.

Staff names are personal data (AVG). They sit in `people`, outside the hashed part; the hash covers
`people_digest`, a salted hash of them. After the retention period `erase_people` removes the
names and the salt, the digest stays, and the chain still verifies: what happened is kept, who
did it is gone.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
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

log = logging.getLogger("narrowcast")

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
    data, _ = _without_torn_tail(data)
    return [_parse(line, number) for number, line in enumerate(data.splitlines(), 1) if line.strip()]


def _without_torn_tail(data: bytes) -> tuple[bytes, bytes]:
    """The log without a last line that a crash cut off (no newline, no JSON), and that piece."""
    if not data or data.endswith(b"\n"):
        return data, b""
    start = data.rfind(b"\n") + 1
    try:
        json.loads(data[start:])
        return data, b""  # a whole record without its newline: it counts
    except ValueError:
        return data[:start], data[start:]


_TYPES = {"seq": int, "kind": str, "at": str, "snapshot": (str, type(None)), "message": (str, type(None)),
          "proposal": (int, type(None)), "reason": (str, type(None)), "forced": (str, type(None)),
          "rollback_of": (int, type(None)), "screens": (dict, type(None)), "people_digest": str, "prev": str,
          "hash": str, "people": (dict, type(None)), "salt": (str, type(None))}


def _parse(line: bytes, number: int) -> Record:
    try:
        raw = json.loads(line)
        record = Record(**raw)
    except (ValueError, TypeError) as exc:
        raise DamagedFile(SHOWN, f"geen geldig logboekrecord ({type(exc).__name__})", _FIX, line=number) from None
    for name, kinds in _TYPES.items():
        value = getattr(record, name)
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise DamagedFile(SHOWN, f"het veld {name} heeft een verkeerde waarde ({value!r:.40})", _FIX, line=number)
    if record.kind not in KINDS:
        raise DamagedFile(SHOWN, f"onbekende soort record {record.kind!r}", _FIX, line=number)
    try:
        record.moment
    except ValueError:
        raise DamagedFile(SHOWN, f"het veld at is geen moment ({record.at!r:.40})", _FIX, line=number) from None
    shapes = [record.people or {}] + list((record.screens or {}).values())
    if not all(isinstance(k, str) and isinstance(v, str) for shape in shapes if isinstance(shape, dict)
               for k, v in shape.items()) or not all(isinstance(shape, dict) for shape in shapes):
        raise DamagedFile(SHOWN, "de namen of schermen hebben een verkeerde vorm", _FIX, line=number)
    return record


def append(root: Path, kind: str, now: datetime, people: dict[str, str], **fields) -> Record:
    """Add a record at the end (under the log's lock) and return it with its number and hashes."""
    if kind not in KINDS:
        raise ValueError(kind)
    with _locked(root):
        _cut_torn_tail(root)
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
            raise NarrowcastError(f"{SHOWN} kan niet bijgewerkt worden ({os_problem(exc)}); er is niets vastgelegd. "
                                  "Zorg dat narrowcast in de map .state mag schrijven") from None
        _witness(root, record)
    return record


def _cut_torn_tail(root: Path) -> None:
    path = log_path(root)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    kept, torn = _without_torn_tail(data)
    if torn:
        log.warning("%s: de laatste regel was half geschreven (een onderbroken schrijfactie) en is weggehaald: %r",
                    SHOWN, torn[:80])
        os.truncate(path, len(kept))


def _witness(root: Path, record: Record) -> None:
    """The last record's number and hash, kept in the state database too."""
    from .records import Records

    try:
        records = Records(root)
        try:
            records.set_log_head(record.seq, record.hash)
        finally:
            records.close()
    except Exception as exc:  # noqa: BLE001 - the record is written; verify will say the witness lags
        log.warning("het laatste logboekrecord kon niet in de database worden vastgelegd: %s", exc)


def head(root: Path) -> tuple[int, str] | None:
    """The last record's number and hash (to note elsewhere and compare later)."""
    records = read_log(root)
    return (records[-1].seq, records[-1].hash) if records else None


def verify(root: Path) -> list[str]:
    """What does not add up, in Dutch, one line per problem; empty when the whole chain holds."""
    problems: list[str] = []
    try:
        records = read_log(root)
    except DamagedFile as exc:
        return [str(exc)]
    problems += _torn_tail_problem(root) + _witness_problems(root, records) + _store_problems(root, records)
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


def _torn_tail_problem(root: Path) -> list[str]:
    try:
        _, torn = _without_torn_tail(log_path(root).read_bytes())
    except OSError:
        return []
    return [f"de laatste regel is half geschreven (een onderbroken schrijfactie); hij telt niet mee: {torn[:40]!r}"] \
        if torn else []


def _witness_problems(root: Path, records: list[Record]) -> list[str]:
    from .records import Records

    try:
        witness = Records(root)
        try:
            known = witness.log_head()
        finally:
            witness.close()
    except NarrowcastError as exc:
        return [f"de database met het laatste record kan niet gelezen worden: {exc}"]
    if known is None:
        return []  # a log from before the witness
    seq, digest = known
    at = next((r for r in records if r.seq == seq), None)
    if at is None:
        return [f"record {seq} ontbreekt: het logboek is ingekort (de database kent record {seq}, hash {digest[:12]})"]
    if at.hash != digest:
        return [f"record {seq} is herschreven: de database kent een andere hash ({digest[:12]}, het logboek "
                f"{at.hash[:12]})"]
    if records[-1].seq != seq:
        return [f"records na {seq} zijn niet door narrowcast geschreven (de database kent {seq} als laatste)"]
    return []


def _store_problems(root: Path, records: list[Record]) -> list[str]:
    """Every snapshot and stored manifest the log names is still there, with its bytes."""
    from .snapshots import get_object, load_snapshot

    problems, seen = [], set()
    for record in records:
        objects = [entry.get("manifest", "") for entry in (record.screens or {}).values()]
        try:
            if record.snapshot and record.snapshot not in seen:
                seen.add(record.snapshot)
                objects += list(load_snapshot(root, record.snapshot).files.values())
            for digest in objects:
                if digest not in seen:
                    seen.add(digest)
                    get_object(root, digest)
        except NarrowcastError as exc:
            problems.append(f"record {record.seq}: {exc}")
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
