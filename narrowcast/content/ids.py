"""Item ids: which slide, on which countdown day, in which language, as one small value.

A manifest item's id is `slide[@YYYYMMDD][.lang][+also]`: `welkom`, `welkom.ar`, `wet-voor@20261220.en`,
and `welkom+ar` for the Dutch slide with its Arabic translation beside it (language_mode: side-by-side).
It is made here and read back here, so nothing else splits the text apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_LANG = r"[a-z]{2,3}(?:-[A-Z]{2})?"
_ITEM_ID = re.compile(rf"(?P<slide>{_SLUG})(?:@(?P<day>[0-9]{{8}}))?(?:\.(?P<lang>{_LANG}))?(?:\+(?P<also>{_LANG}))?")


@dataclass(frozen=True)
class ItemId:
    """One playable item: a slide, the day of a countdown (its number changes daily), a language.

    `lang` is None for the site's own language, which the id leaves out; `also` is the language
    shown smaller beside it on the same slide (side by side), None for a slide in one language.
    """

    slide: str
    day: date | None = None
    lang: str | None = None
    also: str | None = None

    def __post_init__(self):
        if not re.fullmatch(_SLUG, self.slide):
            raise ValueError(f"not a slide id: {self.slide!r}")
        if self.lang is not None and not re.fullmatch(_LANG, self.lang):
            raise ValueError(f"not a language code: {self.lang!r}")
        if self.also is not None and not re.fullmatch(_LANG, self.also):
            raise ValueError(f"not a language code: {self.also!r}")
        if self.day is not None and (not isinstance(self.day, date) or isinstance(self.day, datetime)):
            raise ValueError(f"not a day: {self.day!r}")

    def __str__(self) -> str:
        text = self.slide
        if self.day is not None:  # written out: strftime drops the leading zeros of years before 1000
            text += f"@{self.day.year:04d}{self.day.month:02d}{self.day.day:02d}"
        if self.lang is not None:
            text += f".{self.lang}"
        if self.also is not None:
            text += f"+{self.also}"
        return text

    @classmethod
    def parse(cls, text: str) -> ItemId:
        """The inverse of str(); ValueError for a text that is not an item id."""
        found = _ITEM_ID.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"not an item id: {text!r}")
        day = found["day"]
        return cls(found["slide"], date(int(day[:4]), int(day[4:6]), int(day[6:])) if day else None, found["lang"],
                   found["also"])
