"""The change in words: what publishing a version of the content changes, said in Dutch.

Per setting, law, slide and screen: what is new, gone or different (texts before → after, dates,
translations that went out of date) and which screens a slide comes onto or leaves. A law is
reported as one change: its phase slides (`<law>-voor`, `<law>-na`) are lines of the law, never
slides of their own, so a moved date reads as one line about the law.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..content.fields import DAY_NAMES
from ..content.lawfacts import format_date
from ..content.model import FAR_FUTURE, FAR_PAST, Law, Playlist, Site, Slide, law_slide_id
from ..content.translations import HALF, OUTDATED, UNKNOWN, UP_TO_DATE, source_hash, translation_status
from ..folder import CONFIG_FILE
from ..schedule.plan import plan_screen

MAX_TEXT = 80
MAX_LISTED = 8  # slide ids listed for a screen whose playlist changed; the rest as a number
NOW, LATER = "nu", "later"
State = str | datetime | None  # on one screen: plays now, later (from a moment, when known), not at all (None)
Placement = dict[str, dict[str, str | datetime]]  # screen id → slide id → its state there

TEXTS = {"title": "titel", "text": "tekst", "highlight": "grote regel", "image_alt": "beschrijving afbeelding"}
SLIDE_FIELDS = {"layout": "vorm", "icon": "icoon", "qr": "QR-link", "image": "afbeelding", "duration": "duur",
                "every": "vaker langs", "tags": "labels", "priority": "voorrang", "interrupt": "neemt het scherm over"}
TIMES = {"valid_from": "geldig vanaf", "valid_until": "geldig tot en met", "days": "dagen", "hours": "uren"}
LAW_FIELDS = {"name": "naam", "effective": "gaat in", "announce_from": "aankondigen vanaf", "retire_after": "stopt na",
              "countdown": "aftellen", "icon": "icoon", "tags": "labels", "duration": "duur", "supersedes": "vervangt"}
SCREEN_FIELDS = {"name": "naam", "location": "plek", "resolution": "resolutie", "diagonal": "diagonaal (inch)",
                 "distance": "kijkafstand (meter)", "playlist": "afspeellijst", "theme": "huisstijl",
                 "languages": "talen", "language_mode": "talen tonen"}
SETTINGS = {"site": "naam", "timezone": "tijdzone", "theme": "huisstijl", "language": "taal", "publishing": "publiceren",
            "four_eyes": "vier ogen", "wait_minutes": "wachttijd (minuten)", "default_duration": "standaardduur (seconden)",
            "horizon_hours": "uren vooruit", "poll_seconds": "schermen vragen elke (seconden)",
            "screen_keys": "schermsleutels", "alerts_webhook": "webadres voor meldingen",
            "trusted_origins": "vertrouwde adressen", "history_days": "logboek bewaren (dagen)", "chromium": "Chromium"}
SECRET_SETTINGS = {"database"}  # an address that may hold a password: only said to have changed
END_FIELDS = {"valid_until", "retire_after"}  # a date alone includes that day: shown as that day
PHASES = {"before": "vóór de datum", "after": "vanaf de datum"}
FIELD_WORDS = {"title": "titel", "text": "tekst", "steps": "stappen", "highlight": "grote regel"}


@dataclass(frozen=True)
class Change:
    """One thing that changes: a slide, a screen, a law or the settings, in Dutch lines."""

    what: str  # "dia" | "scherm" | "wet" | "instellingen"
    id: str  # slide id, screen id, law id, or "narrowcast.yaml"
    summary: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Compare:
    old: Site | None
    new: Site
    tz: ZoneInfo
    was: Placement
    becomes: Placement
    same: list[str]  # screens in both versions with the same playlist: where a slide's moves are told


def changes(old: Site | None, new: Site, now: datetime) -> list[Change]:
    """What publishing `new` changes compared with `old` (None: nothing published yet: everything is new)."""
    same = [s.id for s in new.config.screens
            if old is not None and s.id in old.screens and old.screens[s.id].playlist == s.playlist]
    c = _Compare(old, new, ZoneInfo(new.config.timezone), _placement(old, now), _placement(new, now), same)
    return [*_settings(old, new), *_laws(c), *_slides(c), *_screens(c)]


def file_changes(old: dict[str, str] | None, new: dict[str, str]) -> list[Change]:
    """Pictures, theme files and other files the model does not describe, from two snapshots'
    listings (path -> object hash): the YAML names a picture, only its bytes show it was replaced."""
    described = (CONFIG_FILE, "slides/", "playlists/", "laws/")
    out = []
    for path in sorted(set(old or {}) | set(new)):
        if path.startswith(described) and path.endswith((".yaml", ".yml")):
            continue
        was, becomes = (old or {}).get(path), new.get(path)
        if was == becomes:
            continue
        summary = "nieuw" if was is None else "weg" if becomes is None else "vervangen"
        what = "afbeelding" if path.startswith("images/") else "huisstijl" if path.startswith("themes/") else "bestand"
        out.append(Change(what, path, summary))
    return out


def as_lines(found: list[Change]) -> list[str]:
    """Text for the terminal: one line per change, its details indented below it."""
    if not found:
        return ["geen inhoudelijke wijzigingen"]
    lines = []
    for change in found:
        lines.append(f"{change.what} {change.id} — {change.summary}")
        lines += [f"    {detail}" for detail in change.details]
    return lines


def as_json(found: list[Change]) -> list[dict]:
    return [{"what": c.what, "id": c.id, "summary": c.summary, "details": list(c.details)} for c in found]


# --- where slides play -----------------------------------------------------------------------------

def _placement(site: Site | None, now: datetime) -> Placement:
    """Per screen, each slide it plays now (in the plan's window) or may play later."""
    if site is None:
        return {}
    placed: Placement = {}
    for screen in site.config.screens:
        plan = plan_screen(site, screen, now, notices=[])
        later = _reach(site, site.playlists[screen.playlist], now)
        states: dict[str, str | datetime] = {i: start if start >= plan.window[1] else LATER for i, start in later.items()}
        placed[screen.id] = states | {entry.id.slide: NOW for entry, _ in plan.entries}
    return placed


def _reach(site: Site, playlist: Playlist, now: datetime) -> dict[str, datetime]:
    """Each slide the playlist may still show, with the first moment it may (days and hours aside).

    The plan looks only as far as its horizon; a slide valid from next month is on the screen too.
    The items are read as `playlist_entries` reads them: tags expanded, a slide's first place counts.
    """
    ends: dict[str, datetime] = {}
    for law in site.laws.values():
        for ident in law.supersedes:
            ends[ident] = min(ends.get(ident, law.effective), law.effective)
    by_tag: dict[str, list[str]] = {}
    for slide in site.slides.values():
        for tag in slide.tags:
            by_tag.setdefault(tag, []).append(slide.id)
    seen: set[str] = set()
    found: dict[str, datetime] = {}
    for item in playlist.items:
        for ident in [item.slide] if item.slide else by_tag.get(item.tag, []):
            slide = site.slides.get(ident)
            if ident in seen or slide is None:
                continue
            seen.add(ident)
            span = slide.phase.span if slide.phase else (FAR_PAST, ends.get(ident, FAR_FUTURE))
            start = max([now, span[0]] + [t.valid_from for t in (slide, item) if t.valid_from])
            end = min([span[1]] + [t.valid_until for t in (slide, item) if t.valid_until])
            if start < end:
                found[ident] = start
    return found


def _move(was: State, becomes: State, tz: ZoneInfo) -> str | None:
    """How a slide's place on one screen changes, in words; None when it does not."""
    if was == becomes:
        return None
    if becomes is None:
        return "gaat af"
    if becomes == NOW:
        return "komt op" if was is None else "staat nu al op"
    if was is not None and was != NOW:
        return None  # later → later: the slide's dates say when
    when = f"vanaf {_moment(becomes, tz)} " if isinstance(becomes, datetime) else "later "
    return f"komt {when}op" if was is None else f"staat pas {when}op"


def _screen_lines(c: _Compare, ident: str, screens: list[str]) -> list[str]:
    groups: dict[str, list[str]] = {}
    for screen in screens:
        phrase = _move(c.was.get(screen, {}).get(ident), c.becomes.get(screen, {}).get(ident), c.tz)
        if phrase:
            groups.setdefault(phrase, []).append(screen)
    every = list(c.new.screens)
    return [f"{phrase}: {'alle schermen' if names == every and len(names) > 1 else ', '.join(names)}"
            for phrase, names in groups.items()]


# --- slides ----------------------------------------------------------------------------------------

def _ordered(old: dict, new: dict) -> list[str]:
    """New ids first, then those in both, then the removed ones; each in its file order."""
    return [i for i in new if i not in old] + [i for i in new if i in old] + [i for i in old if i not in new]


def _written(site: Site | None) -> dict[str, Slide]:
    return {i: s for i, s in site.slides.items() if s.phase is None} if site else {}


def _slides(c: _Compare) -> list[Change]:
    found = []
    for ident in _ordered(_written(c.old), _written(c.new)):
        a, b = _written(c.old).get(ident), _written(c.new).get(ident)
        if a is None:
            details = _new_slide_lines(b, c.tz) + _screen_lines(c, ident, list(c.new.screens))
            found.append(Change("dia", ident, f"nieuw: {_piece(b.title)}", tuple(details)))
        elif b is None:
            found.append(Change("dia", ident, f"verwijderd: {_piece(a.title)}"))
        else:
            content = (_field_lines(a, b, TEXTS, c.tz) + _step_lines(a, b) + _field_lines(a, b, SLIDE_FIELDS, c.tz)
                       + _field_lines(a, b, TIMES, c.tz) + _translation_lines(a, b))
            moves = _screen_lines(c, ident, c.same)
            if content or moves:
                summary = "gewijzigd" if content else "op andere schermen"
                found.append(Change("dia", ident, f"{summary}: {_piece(b.title)}", tuple(content + moves)))
    return found


def _new_slide_lines(slide: Slide, tz: ZoneInfo) -> list[str]:
    lines = [f"tekst: {_piece(slide.text)}"] if slide.text else []
    lines += [f"stappen: {len(slide.steps)}"] if slide.steps else []
    lines += [f"{label}: {_value(name, getattr(slide, name), tz)}" for name, label in TIMES.items() if getattr(slide, name)]
    return lines + ([f"vertalingen: {', '.join(slide.translations)}"] if slide.translations else [])


def _step_lines(old: Slide, new: Slide) -> list[str]:
    lines = []
    for n in range(max(len(old.steps), len(new.steps))):
        a = old.steps[n] if n < len(old.steps) else None
        b = new.steps[n] if n < len(new.steps) else None
        if a is None or b is None:
            lines.append(f"stap {n + 1}: nieuw {_piece(b.text)}" if a is None else f"stap {n + 1}: weg {_piece(a.text)}")
            continue
        if _plain(a.text) != _plain(b.text):
            lines.append(f"stap {n + 1}: {_before_after(a.text, b.text)}")
        if a.icon != b.icon:
            lines.append(f"stap {n + 1}, icoon: {a.icon or 'geen'} → {b.icon or 'geen'}")
    return lines


def _translation_lines(old: Slide, new: Slide) -> list[str]:
    """Per language: new, gone, brought up to date, or out of date because the Dutch changed."""
    lines = []
    dutch_changed = source_hash(old) != source_hash(new)
    for lang in [*new.translations, *(x for x in old.translations if x not in new.translations)]:
        if lang not in new.translations or lang not in old.translations:
            lines.append(f"vertaling {lang}: {'nieuw' if lang in new.translations else 'weg'}")
            continue
        was, now = translation_status(old, lang), translation_status(new, lang)
        edited = old.translations[lang].model_dump(exclude={"source"}) != new.translations[lang].model_dump(exclude={"source"})
        if now.state == HALF and was.state != HALF:
            missing = ", ".join(FIELD_WORDS.get(f, f) for f in now.missing)
            line = f"half (mist {missing}): wordt niet getoond"
        elif now.state == OUTDATED and was.state != OUTDATED:
            line = "verouderd (de Nederlandse tekst is veranderd)"
        elif now.state == UP_TO_DATE and (edited or was.state != UP_TO_DATE):
            line = "bijgewerkt"
        elif edited:
            line = "gewijzigd"
        elif now.state == UNKNOWN and dutch_changed:
            line = "kijk deze na (de Nederlandse tekst is veranderd)"
        else:
            continue
        lines.append(f"vertaling {lang}: {line}")
    return lines


# --- laws ------------------------------------------------------------------------------------------

def _laws(c: _Compare) -> list[Change]:
    old_laws = c.old.laws if c.old else {}
    found = []
    for ident in _ordered(old_laws, c.new.laws):
        a, b = old_laws.get(ident), c.new.laws.get(ident)
        if b is None:
            found.append(Change("wet", ident, f"verwijderd: {_piece(a.name)}"))
            continue
        if a is None:
            lines = [f"{LAW_FIELDS[name]}: {_value(name, getattr(b, name), c.tz)}"
                     for name in ("effective", "announce_from", "retire_after") if getattr(b, name)]
        else:
            lines = _field_lines(a, b, LAW_FIELDS, c.tz)
        for part, label in PHASES.items():
            lines += [f"{label}, {line}" for line in _phase_lines(c, a, b, part)]
        if a is None or lines:
            found.append(Change("wet", ident, f"{'nieuw' if a is None else 'gewijzigd'}: {_piece(b.name)}", tuple(lines)))
    return found


def _phase_lines(c: _Compare, old: Law | None, new: Law, part: str) -> list[str]:
    """One phase of a law: its texts and translations, and the screens it comes onto or leaves."""
    slide_id = law_slide_id(new, part)
    a, b = c.old.slides.get(slide_id) if old is not None else None, c.new.slides.get(slide_id)
    if b is None:
        return ["weg"] if a is not None else []
    if a is None:
        return [f"nieuw: {_piece(b.title)}"] + _screen_lines(c, slide_id, list(c.new.screens))
    return (_field_lines(a, b, TEXTS, c.tz) + _translation_lines(a, b)) + _screen_lines(c, slide_id, c.same)


# --- screens and settings --------------------------------------------------------------------------

def _screens(c: _Compare) -> list[Change]:
    old_screens = c.old.screens if c.old else {}
    found = []
    for ident in _ordered(old_screens, c.new.screens):
        a, b = old_screens.get(ident), c.new.screens.get(ident)
        if a is None:
            count = len(c.becomes.get(ident, {}))
            found.append(Change("scherm", ident, f"nieuw: {_piece(b.name)}",
                                (f"afspeellijst: {b.playlist}", f"dia's (nu of later): {count}")))
        elif b is None:
            found.append(Change("scherm", ident, f"verwijderd: {_piece(a.name)}"))
        elif lines := _field_lines(a, b, SCREEN_FIELDS, c.tz) + _swap_lines(c, ident, a.playlist != b.playlist):
            found.append(Change("scherm", ident, f"gewijzigd: {_piece(b.name)}", tuple(lines)))
    return found


def _swap_lines(c: _Compare, ident: str, swapped: bool) -> list[str]:
    """The slides a screen gains and loses with another playlist (told here, not per slide)."""
    if not swapped:
        return []
    was, becomes = c.was.get(ident, {}), c.becomes.get(ident, {})
    lines = []
    for word, ids in (("erbij", [i for i in becomes if i not in was]), ("eraf", [i for i in was if i not in becomes])):
        if ids:
            more = f" en {len(ids) - MAX_LISTED} meer" if len(ids) > MAX_LISTED else ""
            lines.append(f"{word}: {', '.join(ids[:MAX_LISTED])}{more}")
    return lines


def _settings(old: Site | None, new: Site) -> list[Change]:
    if old is None:
        return [Change("instellingen", CONFIG_FILE, f"nieuw: {_piece(new.config.site)}")]
    a, b = _flat(old.config.model_dump(exclude={"screens"})), _flat(new.config.model_dump(exclude={"screens"}))
    lines, tz = [], ZoneInfo(new.config.timezone)
    for key in dict.fromkeys([*a, *b]):
        if a.get(key) == b.get(key):
            continue
        label = SETTINGS.get(key, key)
        lines.append(f"{label}: gewijzigd" if key in SECRET_SETTINGS else
                     f"{label}: {_value(key, a.get(key), tz)} → {_value(key, b.get(key), tz)}")
    return [Change("instellingen", CONFIG_FILE, "gewijzigd", tuple(lines))] if lines else []


def _flat(data: dict, prefix: str = "") -> dict:
    """Nested settings as `checks.sentence_warn`: the key as it is written in narrowcast.yaml."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


# --- words for values ------------------------------------------------------------------------------

def _field_lines(old, new, labels: dict[str, str], tz: ZoneInfo) -> list[str]:
    lines = []
    for name, label in labels.items():
        a, b = getattr(old, name, None), getattr(new, name, None)
        if name in TEXTS and _plain(a) != _plain(b):
            lines.append(f"{label}: {_before_after(a, b)}")
        elif name not in TEXTS and a != b and not _follows_law(a, b):
            lines.append(f"{label}: {_value(name, a, tz)} → {_value(name, b, tz)}")
    return lines


def _follows_law(a, b) -> bool:
    """A moment written as a law's date that moved only because the law did: the law's line says it."""
    ta, tb = getattr(a, "tie", None), getattr(b, "tie", None)
    return ta is not None and tb is not None and (ta.law, ta.days) == (tb.law, tb.days)


def _value(name: str, value, tz: ZoneInfo) -> str:
    if value is None or value == [] or value == ():
        return "geen"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return _moment(value, tz, end=name in END_FIELDS)
    if name == "days":
        return ", ".join(DAY_NAMES[day] for day in sorted(value))
    if name == "hours":
        return ", ".join(f"{a.hour}:{a.minute:02d}-{b.hour}:{b.minute:02d}" for a, b in value)
    if name in ("duration", "every"):
        return f"{value // 60} minuten" if name == "every" and value % 60 == 0 else f"{value} seconden"
    if name == "resolution":
        return f"{value[0]}x{value[1]}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(" = ".join(map(str, v.values())) if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _moment(value: datetime, tz: ZoneInfo, end: bool = False) -> str:
    """1 januari 2027, or 1 januari 2027 09:00; an end at midnight is the day before it (which it includes)."""
    local = value.astimezone(tz)
    if local.time() == time(0):
        return format_date(local - timedelta(days=1) if end else local, "nl")
    return f"{format_date(local, 'nl')} {local:%H:%M}"


def _plain(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _piece(text: str | None, start: int = 0) -> str:
    """A text between quotes, at most MAX_TEXT characters, from `start` on (with … where it is cut)."""
    text = _plain(text)
    if not text:
        return "geen"
    head = "…" if start else ""
    piece = head + text[start:]
    if len(piece) > MAX_TEXT:
        piece = piece[:MAX_TEXT - 1].rstrip() + "…"
    return f"‘{piece}’"


def _before_after(old: str | None, new: str | None) -> str:
    """‘old’ → ‘new’; long texts that start alike are shown from a little before where they differ."""
    a, b = _plain(old), _plain(new)
    common = len(os.path.commonprefix([a, b]))
    start = a.rfind(" ", 0, common - 30) + 1 if common > MAX_TEXT - 30 else 0  # some words before the change
    return f"{_piece(a, start)} → {_piece(b, start)}"
