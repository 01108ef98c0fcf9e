"""Words, sentences, syllables and the Flesch-Douma reading ease of Dutch text (pure functions)."""

from __future__ import annotations

import re

from ..assets.hyphenation import hyphenator

# A word keeps its inner hyphens, apostrophes and dots ("re-integratie", "m.b.t", "8.30").
_WORD = re.compile(r"\w+(?:['’.-]\w+)*", re.UNICODE)
# A sentence ends at . ! ? followed by a space and a capital, a digit or a quote (not "m.b.t. de").
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-ZÀ-Ý0-9])")
_VOWELS = "aeiouyàáâäèéêëìíîïòóôöùúûü"
_DIAERESIS = "äëïöü"


def words(text: str) -> list[str]:
    """The words of a text as written, without punctuation."""
    return _WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Where each of `words(text)` stands: (start, end) character offsets."""
    return [m.span() for m in _WORD.finditer(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each of `sentences(text)` stands: (start, end) offsets, surrounding whitespace left out."""
    bounds, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        bounds.append((start, end.start()))
        start = end.end()
    bounds.append((start, len(text)))
    spans = []
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if words(text[start:end]):
            spans.append((start, end))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of a text; a question and its answer are two sentences."""
    return [text[start:end] for start, end in sentence_spans(text)]


def is_number(word: str) -> bool:
    return any(c.isdigit() for c in word)


def is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _vowel_groups(part: str) -> int:
    # "ij" is one vowel; a diaeresis starts a new syllable (be-ëin-di-ging, cli-ën-ten).
    part = part.replace("ij", "y")
    groups, previous = 0, False
    for char in part:
        vowel = char in _VOWELS
        if vowel and (not previous or char in _DIAERESIS):
            groups += 1
        previous = vowel
    return groups


def syllables(word: str) -> int:
    """Syllables of one word: pyphen's nl_NL hyphenation, checked against vowel groups."""
    if is_number(word):
        return max(1, sum(c.isdigit() for c in word))  # read digit by digit: a sensible floor
    if is_capitals(word) and len(word) <= 6:
        return len([c for c in word if c.isalpha()])  # spelled letter by letter: U-W-V
    total = 0
    for part in re.split(r"[-'’.]", word.lower()):
        if not part:
            continue
        # pyphen leaves one-letter edges unsplit (over, iden-ti-teit) and sometimes splits off a
        # lone consonant (kli-k-lijn); vowel groups miss hiatus (ja-nu-a-ri): take the larger.
        pieces = [p for p in hyphenator("nl_NL").inserted(part).split("-") if any(c in _VOWELS for c in p)]
        total += max(len(pieces), _vowel_groups(part), 1)
    return total


def flesch_douma(text: str) -> float:
    """Flesch-Douma: 206.84 - 0.77 * syllables per 100 words - 0.93 * words per sentence."""
    found = [words(s) for s in sentences(text)]
    all_words = [w for sentence in found for w in sentence]
    if not all_words:
        return 100.0
    per_100 = 100 * sum(syllables(w) for w in all_words) / len(all_words)
    per_sentence = len(all_words) / len(found)
    return round(206.84 - 0.77 * per_100 - 0.93 * per_sentence, 1)


_BANDS = (
    (90, "zeer makkelijk"), (80, "makkelijk"), (70, "redelijk makkelijk"), (60, "gemiddeld"),
    (50, "redelijk moeilijk"), (30, "moeilijk"), (float("-inf"), "zeer moeilijk"),
)


def flesch_douma_band(score: float) -> str:
    """The Dutch name of the band a Flesch-Douma score falls in."""
    return next(name for floor, name in _BANDS if score >= floor)
