"""Content checks on the words of a slide: plain language, tone and reading time (pure functions)."""

from .language import (
    LanguageRules,
    TextFinding,
    check_slide_texts,
    check_text,
    classify,
)
from .readability import flesch_douma, flesch_douma_band, syllables
from .readingtime import check_duration, reading_seconds
from .tone import check_tone, classify_tone

__all__ = [
    "LanguageRules",
    "TextFinding",
    "check_duration",
    "check_slide_texts",
    "check_text",
    "check_tone",
    "classify",
    "classify_tone",
    "flesch_douma",
    "flesch_douma_band",
    "reading_seconds",
    "syllables",
]
