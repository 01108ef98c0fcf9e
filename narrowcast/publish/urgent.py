"""Urgent notices: made, checked and published at once; ended by hand or by their own clock."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from typing import TYPE_CHECKING, Iterable

from ..assets.icons import resolve
from ..check import check_text, check_tone
from ..check.content import rules_from
from ..check.translations import translation_sentences, translation_words
from ..content.fields import hidden_character_problem, local_time_note, parse_moment
from ..errors import Finding, NarrowcastError
from ..state.files import Notice, active_notices, add_notice, end_notice, is_lang_code, remove_notice
from .build import BuildOptions, build, load_and_check
from .policy import refuse_or_record

if TYPE_CHECKING:
    from ..render.pool import RenderPool

MAX_TEXT = 140
MAX_TRANSLATION = 200  # the same message in German or Arabic runs longer than in Dutch; the renderer checks the fit
_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})")  # 17:00, 9.30
_DURATION = re.compile(r"(?:(\d{1,4}) ?(?:u|uur|h))? ?(?:(\d{1,6}) ?(?:m|min|minuut|minuten))?", re.I)  # 2u, 90m, 1u30m
# the API's field → the command line's option, where they differ; the text is an argument, named by its message
_OPTIONS = {"translations": "--translation", "text": ""}


class NoticeError(NarrowcastError):
    """A notice's field is wrong. Says which: as the option on the command line (str), as `field` in the API."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        option = _OPTIONS.get(field, "--" + field)
        super().__init__(f"{option}: {message}" if option else message)


def publish_notice(root: Path, text: str, now: datetime, renderer: "RenderPool", until: datetime | None = None,
                   screens: list[str] | None = None, icon: str = "informatie", force: str | None = None,
                   translations: dict[str, str] | None = None) -> Notice:
    """Save a notice and publish a build that shows it; nothing is kept when the build fails."""
    notice = create_notice(root, text, now, until, screens, icon, force, translations)
    try:
        build(root, now, BuildOptions(force=force), renderer)
    except BaseException:
        remove_notice(root, notice.id)  # not published: not kept either
        raise
    return notice


def create_notice(root: Path, text: str, now: datetime, until: datetime | None = None,
                  screens: list[str] | None = None, icon: str = "informatie", force: str | None = None,
                  translations: dict[str, str] | None = None, user: str | None = None) -> Notice:
    """Check and save a notice (the caller publishes it): the same language checks as any slide.
    `user`: who forced it, for the forced log (the server's login; else the account running the command)."""
    site, _ = load_and_check(root, force, user=user)
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise NoticeError("text", f"de tekst van een melding heeft 1 tot {MAX_TEXT} tekens; nu {len(text)}")
    if hidden := hidden_character_problem(text):
        raise NoticeError("text", f"melding: {hidden}")
    translated = checked_translations(translations or {}, site.config.language)
    problems = notice_findings(site, text) + translation_findings(site, translated)
    refuse_or_record(root, force, problems, problems, user)
    unknown = [s for s in screens or [] if s not in site.screens]
    if unknown:
        raise NoticeError("screens", f"onbekend scherm: {', '.join(unknown)}; kies uit: {', '.join(site.screens)}")
    if resolve(icon) is None:
        raise NoticeError("icon", f"icoon '{icon}' bestaat niet; zie 'narrowcast icons' voor de woorden")
    tz = ZoneInfo(site.config.timezone)
    if until is None:
        until = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz)
    if until.timestamp() <= now.timestamp():
        raise NoticeError("until", f"{until.astimezone(tz):%Y-%m-%d %H:%M} ligt niet in de toekomst")
    return add_notice(root, lambda saved: Notice(id=_new_id(now.astimezone(tz), {n.id for n in saved}), text=text,
                                                 start=now, until=until, screens=tuple(screens or ()), icon=icon,
                                                 translations=tuple(translated.items())))


MAX_NOTICE = timedelta(days=7)  # to the end of the day a week ahead: longer is a typo (2062 for 2026) or a slide


def parse_until(text: str, now: datetime, tz_name: str) -> tuple[datetime, str | None]:
    """When a notice ends (`_until_moment`), at most a week ahead: longer news belongs in a slide."""
    moment, note = _until_moment(text, now, tz_name)
    tz = ZoneInfo(tz_name)
    last_day = now.astimezone(tz).date() + MAX_NOTICE
    if moment > datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz):
        raise NoticeError("until", f"'{' '.join(text.split())}' is later dan {last_day:%Y-%m-%d}; een melding neemt de "
                                   "schermen over, dus hooguit een week. Een bericht voor langer hoort in een dia (slides/)")
    return moment, note


def _until_moment(text: str, now: datetime, tz_name: str) -> tuple[datetime, str | None]:
    """When a notice ends, as typed: a clock time today (17:00), a time from now (2u, 90m, 1u30m), or a
    date with or without a time (a date alone: to the end of that day). Returns the moment, and for
    a clock time that daylight saving skips or repeats, what it became (None for an ordinary one)."""
    tz, typed = ZoneInfo(tz_name), " ".join(text.split())
    local = now.astimezone(tz)
    if not typed:
        raise NoticeError("until", "is leeg; laat het weg (dan tot het einde van vandaag) of schrijf bijvoorbeeld 17:00")
    if clock := _CLOCK.fullmatch(typed):
        hour, minute = int(clock[1]), int(clock[2])
        if hour > 23 or minute > 59:
            raise NoticeError("until", f"de tijd '{typed}' bestaat niet; schrijf uren:minuten, bijvoorbeeld 17:00")
        moment = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
        if moment.timestamp() <= now.timestamp():
            tomorrow = f"{local.date() + timedelta(days=1):%Y-%m-%d} {hour:02d}:{minute:02d}"
            raise NoticeError("until", f"{hour:02d}:{minute:02d} is vandaag al voorbij (het is nu {local:%H:%M}). "
                                       f"Bedoelt u morgen? Schrijf dan de datum erbij, zoals \"{tomorrow}\"")
    elif (duration := _DURATION.fullmatch(typed)) and any(duration.groups()):
        minutes = int(duration[1] or 0) * 60 + int(duration[2] or 0)
        if minutes == 0:
            raise NoticeError("until", f"'{typed}' is geen tijd; een melding staat er minstens 1 minuut, zoals 30m")
        return datetime.fromtimestamp(now.timestamp() + minutes * 60, tz), None  # real minutes, across a clock change too
    elif re.match(r"\d{4}-", typed):
        from pydantic_core import PydanticCustomError

        try:
            moment = parse_moment(typed, tz_name, end_of_day=True)
        except PydanticCustomError as exc:
            raise NoticeError("until", exc.message()) from None
    else:
        raise NoticeError("until", f"'{typed}' is geen tijd of datum; schrijf bijvoorbeeld 17:00 (vandaag), 2u of 90m "
                                   "(vanaf nu), 2026-12-03 (tot het einde van die dag) of \"2026-12-03 17:00\"")
    return datetime.fromtimestamp(moment.timestamp(), tz), local_time_note(moment)  # 02:30 that is skipped: 03:30


def parse_translations(values: Iterable[str]) -> dict[str, str]:
    """`en=The office is closed` (one per language) as {language: text}; checked further by create_notice."""
    out: dict[str, str] = {}
    for value in values:
        lang, sign, text = value.partition("=")
        lang = lang.strip()
        if not sign or not lang:
            raise NoticeError("translations", f"'{value}' heeft geen taal; schrijf taal=tekst, zoals "
                                              "en=\"The office is closed today\"")
        if lang in out:
            raise NoticeError("translations", f"de taal '{lang}' staat er twee keer; geef één tekst per taal")
        out[lang] = text
    return out


def checked_translations(translations: dict[str, str], own: str) -> dict[str, str]:
    """Each language code and text as a slide's translation has them: a real code, another language, text."""
    out = {}
    for lang, text in translations.items():
        text = " ".join(text.split()) if isinstance(text, str) else ""
        if not is_lang_code(lang):
            raise NoticeError("translations", f"'{lang}' is geen taalcode; schrijf twee of drie kleine letters, "
                                              "zoals en, ar, tr of pt-BR")
        if lang == own:
            raise NoticeError("translations", f"'{lang}' is de eigen taal van de melding; geef een andere taal")
        if not text or len(text) > MAX_TRANSLATION:
            raise NoticeError("translations", f"de tekst in '{lang}' heeft 1 tot {MAX_TRANSLATION} tekens; "
                                              f"nu {len(text)}")
        if hidden := hidden_character_problem(text):
            raise NoticeError("translations", f"{lang}: {hidden}")
        out[lang] = text
    return out


def notice_findings(site, text: str) -> list[Finding]:
    """Plain-language and tone findings for a notice's text, as if it were a slide title."""
    rules = rules_from(site.config.checks)
    return [Finding("melding", 0, 0, "tekst", f.message.rstrip(".") + (f"; {f.suggestion}" if f.suggestion else ""),
                    f.severity, f.rule) for f in check_text(text, rules) + check_tone(text)]


def translation_findings(site, translations: dict[str, str]) -> list[Finding]:
    """What fits every language: sentence length in words, with the site's limits (the word lists are Dutch)."""
    checks, findings = site.config.checks, []
    for lang, text in translations.items():
        for sentence in translation_sentences(text):  # any script: Arabic vowel marks stay inside their word
            n = len(translation_words(sentence))
            if n > checks.sentence_warn:
                error = n > checks.sentence_error
                findings.append(Finding("melding", 0, 0, f"vertaling {lang}",
                                        f"deze zin heeft {n} woorden; meer dan "
                                        f"{checks.sentence_error if error else checks.sentence_warn} is te lang om snel "
                                        "te lezen op een scherm; maak er twee korte zinnen van",
                                        "error" if error else "warning", "sentence-length"))
    return findings


def cancel_notice(root: Path, notice_id: str, now: datetime, renderer: "RenderPool") -> Notice:
    notice = end_running_notice(root, notice_id, now)
    build(root, now, BuildOptions(), renderer)
    return notice


def end_running_notice(root: Path, notice_id: str, now: datetime) -> Notice:
    """End a running notice at `now` (the caller publishes); else a Dutch error naming the running ones."""
    notice = end_notice(root, notice_id, now)
    if notice is None:
        running = ", ".join(n.id for n in active_notices(root, now)) or "geen"
        raise NarrowcastError(f"geen lopende melding '{notice_id}'; lopende meldingen: {running}")
    return notice


def list_notices(root: Path, now: datetime) -> list[Notice]:
    return active_notices(root, now)


def _new_id(local: datetime, taken: set[str]) -> str:
    base = f"melding-{local:%Y%m%d-%H%M}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident
