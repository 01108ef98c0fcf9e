"""The state folder (`.state/` in the content folder): what narrowcast keeps besides the content.

Urgent notices live here, not in the content files: they are made from the command line (or the
dashboard), end by themselves, and must never be committed along with the slides. So do the log of
forced publications and the lock that lets one build at a time run in this folder.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time as dtime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import DamagedFile, NarrowcastError, os_problem
from ..content.fields import DAY_NAMES, SLUG_RE, hidden_character_problem
from ..folder import NOTICES, STATE_DIR

NOTICES_LOCK = "urgent.lock"
FORCED = "forced.jsonl"
_NOTICES_FIX = ("Herstel het bestand of verwijder het; zonder dit bestand staan er geen urgente meldingen op de schermen "
                "(maak ze zo nodig opnieuw met 'narrowcast urgent')")


@dataclass(frozen=True)
class Notice:
    """An urgent notice: takes over the targeted screens from `start` until `until`."""

    id: str
    text: str
    start: datetime
    until: datetime
    screens: tuple[str, ...] = ()  # empty: every screen
    icon: str = "informatie"
    translations: tuple[tuple[str, str], ...] = ()  # (language, text): the notice in other languages

    def targets(self, screen_id: str) -> bool:
        return not self.screens or screen_id in self.screens

    def end_words(self, tz: tzinfo) -> str:
        """When it ends, in Dutch, for its slide: "tot 17:00" on the day it started, else "tot do 3 dec 17:00";
        an end at midnight closes the day before: "tot en met vandaag", "tot en met wo 2 dec"."""
        start, day, clock = self._end(tz)
        if clock == "24:00":
            return "tot en met vandaag" if day == start.date() else f"tot en met {_dutch_day(day)}"
        return f"tot {clock}" if day == start.date() else f"tot {_dutch_day(day)} {clock}"

    def end_digits(self, tz: tzinfo) -> str:
        """Its time in digits, for its translations (any language): "10:00 – 17:00", "23-11 10:00 – 3-12 17:00"."""
        start, day, clock = self._end(tz)
        if day == start.date():
            return f"{start:%H:%M} – {clock}"
        return f"{start.day}-{start.month} {start:%H:%M} – {day.day}-{day.month} {clock}"

    def _end(self, tz: tzinfo) -> tuple[datetime, date, str]:
        """The local start, and the local day and clock time of the end (midnight: 24:00 of the day before)."""
        start, until = self.start.astimezone(tz), self.until.astimezone(tz)
        if until.time() == dtime(0) and until > start:
            return start, until.date() - timedelta(days=1), "24:00"
        return start, until.date(), f"{until:%H:%M}"


_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _dutch_day(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def state_dir(root: Path) -> Path:
    return Path(root) / STATE_DIR


def load_notices(root: Path) -> list[Notice]:
    """The saved notices; a damaged file is a DamagedFile error naming its line, never a guess."""
    path = state_dir(root) / NOTICES
    if not os.path.lexists(path):
        return []
    shown = f"{STATE_DIR}/{NOTICES}"
    text = read_state_text(path, shown, _NOTICES_FIX)
    data = parse_json(text, shown, _NOTICES_FIX)
    if not isinstance(data, list):
        raise DamagedFile(shown, "hier hoort een lijst van meldingen ([ … ])", _NOTICES_FIX, line=1)
    return [_notice(raw, shown, line) for raw, line in zip(data, _item_lines(text))]


def _notice(raw: Any, shown: str, line: int) -> Notice:
    def damaged(problem: str):
        return DamagedFile(shown, problem, _NOTICES_FIX, line=line)

    if not isinstance(raw, dict):
        raise damaged("een melding hoort een blok { … } te zijn")
    for name in ("id", "text", "start", "until"):
        if name not in raw:
            raise damaged(f"'{name}' ontbreekt")
    for name in ("id", "text", "icon"):
        if name in raw and not isinstance(raw[name], str):
            raise damaged(f"'{name}' is geen tekst")
    if not SLUG_RE.match(raw["id"]):
        raise damaged(f"'id' is geen geldige id ('{raw['id']}'); een id heeft kleine letters, cijfers en streepjes")
    if not raw["text"].strip():
        raise damaged("'text' is leeg")
    if hidden := hidden_character_problem(raw["text"]):
        raise damaged(f"'text': {hidden}")
    moments = {name: _moment(raw[name]) for name in ("start", "until")}
    for name, moment in moments.items():
        if moment is None:
            raise damaged(f"'{name}' is geen moment met tijdzone, zoals 2026-11-23T10:00:00+01:00")
    screens = raw.get("screens") or []
    if not isinstance(screens, list) or not all(isinstance(s, str) for s in screens):
        raise damaged("'screens' is geen lijst van scherm-id's")
    return Notice(raw["id"], raw["text"], moments["start"], moments["until"], tuple(screens), raw.get("icon", "informatie"),
                  _translations(raw.get("translations"), damaged))


def _translations(raw: Any, damaged: Callable[[str], DamagedFile]) -> tuple[tuple[str, str], ...]:
    """A notice's translations as saved: {"en": "…"} (files written before them have none, or [])."""
    if raw is None:
        return ()
    pairs = raw.items() if isinstance(raw, dict) else raw if isinstance(raw, list) else None
    if pairs is None or not all(isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, str) for x in p)
                                for p in pairs):
        raise damaged("'translations' hoort een blok {\"en\": \"tekst\"} te zijn: per taal de tekst van de melding")
    for lang, text in pairs:
        if not is_lang_code(lang):
            raise damaged(f"'translations': '{lang}' is geen taalcode zoals en, ar of pt-BR")
        if not text.strip():
            raise damaged(f"'translations': de tekst in '{lang}' is leeg")
        if hidden := hidden_character_problem(text):
            raise damaged(f"'translations' ({lang}): {hidden}")
    return tuple((lang, text) for lang, text in pairs)


def is_lang_code(text: str) -> bool:
    """A language code as slides write them (content.model.LangCode): en, ar, pt-BR."""
    from pydantic import TypeAdapter, ValidationError

    from ..content.model import LangCode

    try:
        TypeAdapter(LangCode).validate_python(text)
    except ValidationError:
        return False
    return True


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment and moment.tzinfo else None


def read_state_text(path: Path, shown: str, fix: str) -> str:
    """A state file's text, or a DamagedFile/NarrowcastError that says which file and what to do."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedFile(shown, "het is geen tekst (UTF-8)", fix) from None
    except OSError as exc:
        raise NarrowcastError(f"{shown} kan niet gelezen worden: {os_problem(exc)}. {fix}") from None


def parse_json(text: str, shown: str, fix: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        cut_off = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        problem = "het bestand houdt halverwege op" if cut_off else f"geen geldige JSON (kolom {exc.colno})"
        raise DamagedFile(shown, problem, fix, line=exc.lineno) from None
    except RecursionError:  # the json module recurses once per [ or {
        raise DamagedFile(shown, "te diep genest (duizenden [ of { in elkaar)", fix) from None


_SEPARATORS = re.compile(r"[\s,]*")


def _item_lines(text: str) -> list[int]:
    """The line on which each item of a valid top-level JSON list starts."""
    decoder, lines = json.JSONDecoder(), []
    position = text.index("[") + 1
    while True:
        position = _SEPARATORS.match(text, position).end()
        if text[position] == "]":
            return lines
        lines.append(text.count("\n", 0, position) + 1)
        position = decoder.raw_decode(text, position)[1]


def save_notices(root: Path, notices: list[Notice]) -> None:
    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    data = [{**asdict(n), "start": n.start.isoformat(), "until": n.until.isoformat(), "screens": list(n.screens),
             "translations": dict(n.translations)} for n in notices]
    tmp = folder / (NOTICES + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / NOTICES)


def active_notices(root: Path, now: datetime) -> list[Notice]:
    """Notices that have not ended at `now` (live now, or starting later)."""
    return [n for n in load_notices(root) if n.until > now]


@contextmanager
def notices_lock(root: Path) -> Iterator[None]:
    """Around every read-change-write of urgent.json: two `narrowcast urgent` at once keep both notices."""
    descriptor = _lock_file(root, NOTICES_LOCK)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # held for a read and a write: milliseconds
        yield
    finally:
        os.close(descriptor)


def add_notice(root: Path, make: Callable[[list[Notice]], Notice]) -> Notice:
    """Save the notice `make` returns, given the notices saved now."""
    with notices_lock(root):
        notices = load_notices(root)
        notice = make(notices)
        save_notices(root, notices + [notice])
    return notice


def remove_notice(root: Path, notice_id: str) -> None:
    """Take a notice out again (its publication failed), leaving every other notice as it is."""
    with notices_lock(root):
        save_notices(root, [n for n in load_notices(root) if n.id != notice_id])


def end_notice(root: Path, notice_id: str, at: datetime) -> Notice | None:
    """End a notice at `at`; returns it, or None when there is no such running notice."""
    with notices_lock(root):
        notices = load_notices(root)
        for i, notice in enumerate(notices):
            if notice.id == notice_id and notice.until > at:
                notices[i] = replace(notice, until=max(at, notice.start))
                save_notices(root, notices)
                return notices[i]
    return None


def record_forced(root: Path, reason: str, findings, user: str | None = None) -> None:
    """Who published what despite errors, and why: one JSON line per forced publication.

    `user`: the narrowcast user who forced it (publish --user, the server's login); else the
    account that ran the command."""
    import getpass

    line = {"time": datetime.now().astimezone().isoformat(), "user": user or getpass.getuser(), "reason": reason,
            "errors": [str(f) for f in findings]}
    path = state_dir(root) / FORCED
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as out:
            # A record cut off by a crash gets its own line, so each later record is one whole line.
            out.seek(0, os.SEEK_END)
            cut_off = out.tell() > 0 and os.pread(out.fileno(), 1, out.tell() - 1) != b"\n"
            out.write((b"\n" if cut_off else b"") + json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    except OSError as exc:
        # Forcing without a record is not allowed: the record is the reason forcing is allowed at all.
        raise NarrowcastError(f"{STATE_DIR}/{FORCED} kan niet bijgewerkt worden ({os_problem(exc)}); er is niets "
                              "gepubliceerd. Zorg dat narrowcast in de map .state mag schrijven") from None


LOCK = "build.lock"
STEP_LOCK = "publishing.lock"
LOCK_WAIT_SECONDS = 600  # longer than any cold build; `NARROWCAST_BUILD_WAIT` sets it (0: do not wait)
ENV_LOCK_WAIT = "NARROWCAST_BUILD_WAIT"


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One build at a time per content folder (the command line and the server's worker alike).

    Two builds at once removed each other's build folders. A second build waits for the first and
    says so once (a warning: on stderr where logging is not set up, in the server's log where it
    is); after the wait it gives up with a message naming the running build. The lock is the
    kernel's (flock): it ends with its process, so a killed build leaves none behind.
    """
    wait = _lock_wait()
    descriptor = _lock_file(root, LOCK)
    try:
        _wait_for_lock(descriptor, wait)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextmanager
def step_lock(root: Path) -> Iterator[None]:
    """One publishing step at a time (propose, approve, reject, roll back), from its decision to its
    record: a rejection can no longer land while an approval of the same proposal is building.
    Taken before the build lock, never inside it."""
    descriptor = _lock_file(root, STEP_LOCK)
    try:
        _wait_for_lock(descriptor, _lock_wait(), "een publicatiestap (voorstellen, goedkeuren, afwijzen)")
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)


def _lock_file(root: Path, name: str) -> int:
    """An open descriptor of a lock file in the state folder, made when missing."""
    path = state_dir(root) / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise NarrowcastError(f"{STATE_DIR}/{name} kan niet gemaakt worden ({os_problem(exc)}); "
                              "zorg dat narrowcast in de map .state mag schrijven") from None


def _lock_wait() -> float:
    text = os.environ.get(ENV_LOCK_WAIT) or str(LOCK_WAIT_SECONDS)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 10**6:
        raise NarrowcastError(f"{ENV_LOCK_WAIT}={text!r} is geen aantal seconden; schrijf bijvoorbeeld 60 (of 0: niet wachten)")
    return seconds


def _wait_for_lock(descriptor: int, wait: float, what: str = "een build") -> None:
    if _try_lock(descriptor):
        return
    holder = os.pread(descriptor, 20, 0).decode("ascii", "replace").strip() or "?"
    logging.getLogger("narrowcast").warning("Er loopt al %s in deze map (pid %s); wachten tot die klaar is …", what, holder)
    deadline = time.monotonic() + wait
    while not _try_lock(descriptor):
        if time.monotonic() >= deadline:
            raise NarrowcastError(f"er loopt al {what} in deze map (pid {holder}); wacht tot die klaar is "
                                  "en probeer het dan opnieuw")
        time.sleep(0.1)


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
