"""Reading time: a slide must stay long enough for a slow reader to read all of its Dutch words."""

from __future__ import annotations

import math

from .language import TextFinding
from .readability import words

# Beginning and low-literate readers read about 90 words a minute (1.5 words a second), well below
# the 200+ of a practised reader; a person in a waiting room first has to look up and find the text.
WORDS_PER_MINUTE = 90
FIND_SECONDS = 3.0


def reading_seconds(texts: list[str], words_per_minute: float = WORDS_PER_MINUTE,
                    find_seconds: float = FIND_SECONDS) -> float:
    """Seconds a slow reader needs: 3 s to find the text + its words at 90 words a minute.

    Pass only the slide's own-language texts (title, text, steps, highlight); translations shown
    next to them are read by other readers and are not counted.
    """
    count = sum(len(words(t)) for t in texts if t)
    return find_seconds + count * 60 / words_per_minute if count else 0.0


def check_duration(texts: list[str], duration: int, words_per_minute: float = WORDS_PER_MINUTE,
                   find_seconds: float = FIND_SECONDS) -> list[TextFinding]:
    """An error when the slide's duration is shorter than its reading time."""
    needed = reading_seconds(texts, words_per_minute, find_seconds)
    if duration >= needed:
        return []
    count = sum(len(words(t)) for t in texts if t)
    return [TextFinding(
        "reading-time", "error",
        f"Deze dia staat {duration} seconden op het scherm, maar iemand die langzaam leest heeft voor "
        f"{count} woorden {math.ceil(needed)} seconden nodig ({find_seconds:g} s om de tekst te vinden "
        f"+ {words_per_minute:g} woorden per minuut).",
        " / ".join(t for t in texts if t),
        f"Zet duration op {math.ceil(needed)} of meer, of gebruik minder woorden.")]
