"""A law's facts in one place: its date and name reach every text and slide that belongs to it.

Texts under a law's `before:`/`after:` and slides tied to a law (`valid_from: wet <id>`) write
`{datum}`, `{dagen}` and `{wet}` instead of copying the date; they are filled in per language when a
slide is rendered (and in Dutch for the language checks). Ties are resolved here, right after the
laws are read, so the schedule sees plain moments. Moving `effective` moves all of it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from ..errors import Finding
from .model import FAR_FUTURE, FAR_PAST, Law, Playlist, Slide, Timing
from .ties import LawTie, TiedMoment

PLACEHOLDERS = {
    "datum": "de datum waarop de wet ingaat",
    "dagen": "het aantal dagen tot de wet ingaat (alleen onder before: met countdown: ja)",
    "wet": "de naam van de wet",
}
PLACEHOLDER_RE = re.compile(r"\{\s*(\w+)\s*\}")
CHECK_DAYS = 12  # the day count the language checks read in `{dagen}`: a word like any other


# --- which law a slide belongs to ----------------------------------------------------------------

def slide_law(slide: Slide) -> Law | None:
    """The law a slide's texts belong to: its phase's law, else the law its valid_from (or valid_until) is tied to."""
    if slide.phase is not None:
        return slide.phase.law
    for moment in (slide.valid_from, slide.valid_until):
        if isinstance(moment, TiedMoment) and moment.law is not None:
            return moment.law
    return None


def counts_down(slide: Slide) -> bool:
    """Whether `{dagen}` means something here: the announcement of a law with a countdown."""
    return slide.phase is not None and slide.phase.part == "before" and slide.phase.law.countdown


def slide_texts(slide: Slide) -> Iterator[tuple[tuple, str, str | None]]:
    """(path, text, language) of every text on the slide, translations too; language None is the folder's own."""
    for lang, source, prefix in [(None, slide, ())] + [(code, tr, ("translations", code))
                                                       for code, tr in slide.translations.items()]:
        for name in ("title", "text", "highlight", "image_alt"):
            if getattr(source, name, None):
                yield prefix + (name,), getattr(source, name), lang
        for i, step in enumerate(getattr(source, "steps", None) or []):
            yield prefix + ("steps", i, "text"), step.text, lang


# --- filling in --------------------------------------------------------------------------------------

def law_values(slide: Slide, lang: str, days_left: int | None = None) -> dict[str, str]:
    """What the placeholders of this slide say in `lang`; empty for a slide that belongs to no law."""
    law = slide_law(slide)
    if law is None:
        return {}
    values = {"datum": format_date(law.effective, lang), "wet": law.name}
    if counts_down(slide):
        # 0 only on the day itself, for a law that takes effect during the day (the countdown shows no badge then).
        values["dagen"] = format_days(max(days_left or 0, 0), lang)
    return values


def fill(text: str | None, values: dict[str, str]) -> str | None:
    """The text with its known placeholders replaced; others stay (loading reported them)."""
    if not text or not values or "{" not in text:
        return text

    def value(match: re.Match) -> str:
        found = values.get(match.group(1), match.group(0))
        # "З {datum}." in Ukrainian: the date ends in "р." already; one full stop, not two.
        return found[:-1] if found.endswith(".") and text.startswith(".", match.end()) else found

    return PLACEHOLDER_RE.sub(value, text)


def filled(slide: Slide, lang: str, days_left: int | None, text: str | None) -> str | None:
    """One text of a slide as it shows in `lang` on a day with `days_left` days to go."""
    return fill(text, law_values(slide, lang, days_left)) if text and "{" in text else text


def _locale(lang: str):
    from babel import Locale, UnknownLocaleError

    code = "en_GB" if lang == "en" else lang.replace("-", "_")  # English as written here: 1 January 2027
    try:
        return Locale.parse(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse("nl")


@lru_cache(maxsize=256)
def _date_text(day, lang: str) -> str:
    from babel.dates import format_date as babel_date

    return babel_date(day, "long", locale=_locale(lang))


def format_date(moment: datetime | date, lang: str) -> str:
    """A law's date the language's way: 1 januari 2027, 1 January 2027, 1 stycznia 2027."""
    return _date_text(moment.date() if isinstance(moment, datetime) else moment, lang)


@lru_cache(maxsize=256)
def format_days(days: int, lang: str) -> str:
    """A number of days with the language's plural: 1 dag, 12 dagen, 12 dni, 21 день."""
    from babel.units import format_unit

    return format_unit(days, "duration-day", length="long", locale=_locale(lang))


# The countdown badge around the day count; a language not listed says it in Dutch.
_COUNTDOWN = {"nl": "Nog {}", "en": "{} to go", "ar": "بقي {}", "tr": "{} kaldı", "pl": "Jeszcze {}", "uk": "Ще {}"}


def countdown_text(days_left: int | None, lang: str) -> str | None:
    """The countdown badge in the slide's language, "Nog 12 dagen", "12 days to go"; None without days."""
    if not days_left or days_left < 1:
        return None
    base = lang.split("-")[0]
    if base not in _COUNTDOWN:
        base = "nl"
    return _COUNTDOWN[base].format(format_days(days_left, base))


# --- ties ----------------------------------------------------------------------------------------

@dataclass
class Resolved:
    """Slides and playlists with their ties resolved; `untied`: ids of slides whose tie named no law."""

    slides: list[Slide]
    playlists: list[Playlist]
    findings: list[Finding]
    untied: set[str]


def resolve_ties(slides: list[Slide], playlists: list[Playlist], laws: list[Law],
                 unreadable: set[str] = frozenset()) -> Resolved:
    """Every `wet <id>` moment turned into that law's date (plus its offset).

    An unknown law is an error at the tie's line; a tie to a law that failed to load (in `unreadable`)
    is reported there. Either way the moment is left out, so later checks compare only moments.
    """
    by_id: dict[str, Law] = {}
    for law in laws:
        by_id.setdefault(law.id, law)
    findings: list[Finding] = []
    untied: set[str] = set()

    def resolved(obj: Timing) -> Timing:
        update = {}
        for name in ("valid_from", "valid_until"):
            tie = getattr(obj, name)
            if not isinstance(tie, LawTie):
                continue
            law = by_id.get(tie.law)
            if law is None:
                untied.add(getattr(obj, "id", ""))
                if tie.law not in unreadable:
                    findings.append(_unknown_law(obj, name, tie, by_id))
            update[name] = TiedMoment.of(law.effective + timedelta(days=tie.days), tie, law) if law else None
        return obj.model_copy(update=update) if update else obj

    slides = [resolved(slide) for slide in slides]
    out = []
    for playlist in playlists:
        items = [resolved(item) for item in playlist.items]
        changed = any(new is not old for new, old in zip(items, playlist.items))
        out.append(playlist.model_copy(update={"items": items}) if changed else playlist)
    return Resolved(slides, out, findings, untied)


def _unknown_law(obj, name: str, tie: LawTie, by_id: dict[str, Law]) -> Finding:
    found = difflib.get_close_matches(tie.law, list(by_id), n=1, cutoff=0.6)
    hint = (f"; bedoelde u 'wet {found[0]}'?" if found else
            "; kijk de id na in laws/" if by_id else "; er staat nog geen wet in de map laws/")
    return obj.origin.finding((name,), f"wet '{tie.law}' bestaat niet{hint}", code="unknown-law")


def tie_findings(slides: list[Slide], laws: list[Law]) -> list[Finding]:
    """Tied slides that cannot say the right thing: across the law's date, or switched off by it."""
    findings = []
    for slide in slides:
        tied = [(name, m) for name in ("valid_from", "valid_until")
                if isinstance(m := getattr(slide, name), TiedMoment) and m.law is not None]
        seen = set()
        for name, moment in tied:
            law = moment.law
            if law.id in seen:
                continue
            seen.add(law.id)
            start, end = slide.valid_from or FAR_PAST, slide.valid_until or FAR_FUTURE
            if start < law.effective < end:
                findings.append(_across(slide, _offset_field(tied, law), law))
        if isinstance(slide.valid_from, TiedMoment):
            for law in laws:
                if slide.id in law.supersedes and slide.valid_from >= law.effective:
                    findings.append(slide.origin.finding(("valid_from",), (
                        f"deze dia begint op of na de datum van wet '{law.id}', maar die wet zet hem juist dan uit "
                        f"(supersedes): hij komt nooit op het scherm. Haal '{slide.id}' weg bij supersedes in "
                        f"{law.origin.file}"), code="tie-superseded"))
    return findings


def _offset_field(tied: list[tuple[str, TiedMoment]], law: Law) -> str:
    """The field whose offset makes the slide cross the law's date (else the first tied to it)."""
    for name, moment in tied:
        if moment.law is law and ((name == "valid_from") == (moment.tie.days < 0)) and moment.tie.days:
            return name
    return next(name for name, moment in tied if moment.law is law)


def _across(slide: Slide, field: str, law: Law) -> Finding:
    day = format_date(law.effective, "nl")
    return slide.origin.finding((field,), (
        f"deze dia staat zowel vóór als na {day}, de datum van wet '{law.id}': een tekst die vóór die dag klopt, "
        f"klopt erna niet meer. Laat de dia beginnen op 'wet {law.id}' of later, of laat hem eindigen op 'wet {law.id}'; "
        f"voor de tijd vóór de wet is de tekst onder before: in {law.origin.file}"), code="tie-across")


# --- placeholders ----------------------------------------------------------------------------------

def placeholder_findings(slides: list[Slide], untied: set[str] = frozenset()) -> list[Finding]:
    """Placeholders that cannot be filled: unknown names, a law's facts on a slide of no law, {dagen} without countdown.

    Slides in `untied` named a law that does not exist: that is reported at the tie, once.
    """
    findings = []
    for slide in slides:
        law = slide_law(slide)
        if law is None and slide.id in untied:
            continue
        for path, text, _lang in slide_texts(slide):
            for name in dict.fromkeys(m.group(1) for m in PLACEHOLDER_RE.finditer(text)):
                problem = _placeholder_problem(slide, law, name)
                if problem:
                    findings.append(slide.origin.finding(path, problem, code="placeholder"))
    return findings


def _placeholder_problem(slide: Slide, law: Law | None, name: str) -> str | None:
    if name not in PLACEHOLDERS:
        found = difflib.get_close_matches(name.lower(), list(PLACEHOLDERS), n=1, cutoff=0.5)
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        return (f"{{{name}}} is geen invulplek" + (f"; bedoelde u {{{found[0]}}}?" if found else "")
                + f" Bekende invulplekken: {known}")
    if law is None:
        return (f"{{{name}}} kan alleen in een tekst die bij een wet hoort: onder before: of after: in laws/, "
                "of in een dia met valid_from: wet <id>. Koppel deze dia aan een wet, of schrijf de tekst uit")
    if name == "dagen" and not counts_down(slide):
        return ("{dagen} (het aantal dagen tot de wet ingaat) werkt alleen onder before: van een wet met "
                "countdown: ja; schrijf hier {datum}")
    return None


def law_fact_findings(slides: list[Slide], laws: list[Law], untied: set[str] = frozenset()) -> list[Finding]:
    """Every finding about ties and placeholders, once the ties are resolved."""
    return tie_findings(slides, laws) + placeholder_findings(slides, untied)
