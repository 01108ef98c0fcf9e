"""Dates typed by hand in texts that belong to a law: they stay behind when the law's date moves.

Every text of a law (`before:`/`after:`) and of a slide tied to one (`valid_from: wet <id>`),
translations too, is searched for a written date: "1 januari 2027", "1 jan", "1-1-2027",
"2027-01-01", "January 1, 2027", and the month names of the text's own language (Babel). A date
that differs from the law's is a warning that says which date the law has now; the law's own date
typed out is a warning too, because it will differ as soon as the law moves. Both say: write {datum}.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from ..errors import Finding
from ..content.lawfacts import format_date, slide_law, slide_texts
from ..content.model import Site

NO_YEAR = 1  # the year of a date written as "1 januari": compared by day and month only


def law_date_findings(site: Site) -> list[Finding]:
    """A warning at every law-linked text that names a date by hand."""
    findings = []
    for slide in site.slides.values():
        law = slide_law(slide)
        if law is None:
            continue
        effective = law.effective.date()
        for path, text, lang in slide_texts(slide):
            for written, day in written_dates(text, lang or site.config.language):
                findings.append(slide.origin.finding(path, _message(written, day, effective), severity="warning",
                                                     code="law-date"))
    return findings


def _message(written: str, day: date, effective: date) -> str:
    law_day = format_date(effective, "nl")
    if (day.day, day.month) == (effective.day, effective.month) and day.year in (NO_YEAR, effective.year):
        return (f"deze tekst noemt de datum van de wet zelf ({written}); schrijf {{datum}}, "
                "dan schuift de tekst mee als de datum van de wet verandert")
    return (f"deze tekst noemt {written}, maar de wet gaat in op {law_day}; schrijf {{datum}} "
            "(is het een andere datum, dan kunt u dit laten staan)")


def written_dates(text: str, lang: str) -> list[tuple[str, date]]:
    """(as written, the date) of each date in a text; one written without a year has the year NO_YEAR."""
    found: list[tuple[int, str, date]] = []
    for pattern, order in _patterns(lang):
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups()))
            day = _date(parts, lang)
            if day is not None and not any(start <= match.start() < start + len(w) for start, w, _ in found):
                found.append((match.start(), match.group(0).strip(" ,."), day))
    return [(written, day) for _, written, day in sorted(found)]


def _date(parts: dict, lang: str) -> date | None:
    month = parts["month"]
    if not month.isdigit():
        month = _month_numbers(lang).get(month.lower().rstrip("."))
        if month is None:
            return None
    try:
        return date(int(parts["year"]) if parts.get("year") else NO_YEAR, int(month), int(parts["day"]))
    except ValueError:  # 31-2-2027, 13/13: no date
        return None


@lru_cache(maxsize=32)
def _month_numbers(lang: str) -> dict[str, int]:
    """Month names (wide and abbreviated, as in a date and standing alone) of Dutch, English and `lang`."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_month_names

    names: dict[str, int] = {"sept": 9, "mrt": 3}
    for code in dict.fromkeys(("nl", "en", lang.replace("-", "_"))):
        try:
            locale = Locale.parse(code)
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    if len(name.rstrip(".")) >= 3:
                        names.setdefault(name.lower().rstrip("."), number)
    return names


@lru_cache(maxsize=32)
def _patterns(lang: str) -> list[tuple[re.Pattern, tuple[str, ...]]]:
    months = "|".join(sorted((re.escape(n) for n in _month_numbers(lang)), key=len, reverse=True))
    day, year = r"(\d{1,2})(?:st|nd|rd|th|e|de)?", r"(\d{4})"
    return [
        (re.compile(rf"(?<![\w-]){year}-(\d{{1,2}})-(\d{{1,2}})(?!\w|-\d)"), ("year", "month", "day")),
        (re.compile(rf"(?<![\w./-])(\d{{1,2}})[-/.](\d{{1,2}})[-/.]{year}(?!\w|[./-]\d)"), ("day", "month", "year")),
        (re.compile(rf"(?<![\w.]){day}\.?\s+({months})\.?(?:\s+{year})?(?!\w)", re.I), ("day", "month", "year")),
        (re.compile(rf"(?<!\w)({months})\.?\s+{day}(?:,?\s+{year})?(?![\w:])", re.I), ("month", "day", "year")),
    ]
