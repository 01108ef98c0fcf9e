"""Translations of a slide: whether one is whole, and which Dutch text it was made from.

A translation records the Dutch text it translates as `source:`, a short hash written by
`narrowcast translations --mark`. When the Dutch changes, the hash no longer matches and the
translation is out of date ("verouderd"). The hash is of the Dutch as written: a placeholder such
as `{datum}` stays literal, so moving a law's date does not outdate its translations.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass

from .model import Slide

TRANSLATED_FIELDS = ("title", "text", "steps", "highlight", "image_alt")
# What a visitor reads on the slide: without one of these a translation is half and not shown.
# `image_alt` is not among them: it is for the HTML's readers, and falls back to the Dutch.
SHOWN_FIELDS = ("title", "text", "steps", "highlight")

UP_TO_DATE, OUTDATED, UNKNOWN, HALF = "bijgewerkt", "verouderd", "onbekend", "half"


def missing_fields(slide: Slide, lang: str) -> list[str]:
    """The fields the Dutch slide has that its translation in `lang` leaves out (all of them if there is none)."""
    translation = slide.translations.get(lang)
    if translation is None:
        return list(SHOWN_FIELDS)
    missing = []
    for name in SHOWN_FIELDS:
        dutch = getattr(slide, name)
        if dutch and not getattr(translation, name):
            missing.append(name)
    return missing


def complete(slide: Slide, lang: str) -> bool:
    """A translation that can be shown: it has every text the Dutch slide has (no French title over Dutch text)."""
    return lang in slide.translations and not missing_fields(slide, lang)


def _plain(text: str) -> str:
    """A text as it reads: NFC, runs of whitespace (line breaks of a YAML block too) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def dutch_texts(slide: Slide) -> list[tuple[str, str | list[str]]]:
    """The Dutch texts a translation translates, as (field, text) pairs, as written.

    A law's phase is hashed from its `before:`/`after:` block, not from the slide made of it, so a
    date filled in for a placeholder can never count as a change of the text.
    """
    written = getattr(slide.phase.law, slide.phase.part) if slide.phase else slide
    pairs: list[tuple[str, str | list[str]]] = []
    for name in ("title", "text", "highlight"):
        value = getattr(written, name, None)
        if value:
            pairs.append((name, _plain(value)))
    steps = [_plain(step.text) for step in getattr(written, "steps", [])]
    if steps:
        pairs.append(("steps", steps))
    if slide.image and slide.image_alt:
        pairs.append(("image_alt", _plain(slide.image_alt)))
    return pairs


def source_hash(slide: Slide) -> str:
    """8 hex characters naming the slide's Dutch texts; the same for every language it is translated into."""
    canonical = json.dumps(dutch_texts(slide), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class TranslationStatus:
    """Where one translation stands: `state` is half (it misses fields: not shown), verouderd (the
    Dutch changed since it was marked), onbekend (never marked) or bijgewerkt."""

    slide: str
    lang: str
    state: str
    missing: tuple[str, ...]
    source: str | None  # the Dutch it was made from, as written in the file
    current: str        # the Dutch as it is now

    @property
    def outdated(self) -> bool:
        return self.source is not None and self.source != self.current


def translation_status(slide: Slide, lang: str) -> TranslationStatus:
    """The status of the slide's translation in `lang` (which must exist)."""
    translation = slide.translations[lang]
    missing = tuple(missing_fields(slide, lang))
    current = source_hash(slide)
    if missing:
        state = HALF
    elif translation.source is None:
        state = UNKNOWN
    else:
        state = UP_TO_DATE if translation.source == current else OUTDATED
    return TranslationStatus(slide.id, lang, state, missing, translation.source, current)


def mark_command(slide: Slide, lang: str) -> str:
    """The command that records a translation as made from the slide's current Dutch text."""
    return f"narrowcast translations --mark {slide.id} {lang}"
