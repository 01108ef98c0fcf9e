"""Translations of a slide: whether one is whole, and (later) which Dutch text it was made from."""

from __future__ import annotations

from .model import Slide

TRANSLATED_FIELDS = ("title", "text", "steps", "highlight", "image_alt")


def missing_fields(slide: Slide, lang: str) -> list[str]:
    """The fields the Dutch slide has that its translation in `lang` leaves out (all of them if there is none)."""
    translation = slide.translations.get(lang)
    if translation is None:
        return list(TRANSLATED_FIELDS)
    missing = []
    for name in TRANSLATED_FIELDS:
        dutch = getattr(slide, name)
        if name == "image_alt" and not slide.image:
            continue
        if dutch and not getattr(translation, name):
            missing.append(name)
    return missing


def complete(slide: Slide, lang: str) -> bool:
    """A translation that can be shown: it has every text the Dutch slide has (no French title over Dutch text)."""
    return lang in slide.translations and not missing_fields(slide, lang)
