"""Human tone: flag threatening, blaming or pressing words and forms, with a friendlier phrasing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .language import TextFinding, find_phrases, is_known_abbreviation, is_shouting, load_list
from .readability import sentence_spans, word_spans, words


@dataclass(frozen=True)
class _Phrase:
    phrase: tuple[str, ...]
    written: str
    friendlier: str
    why: str
    case_sensitive: bool = False


@lru_cache(maxsize=1)
def _tone_list() -> tuple[_Phrase, ...]:
    entries = []
    for item in load_list("tone.yaml"):
        for form in [item["phrase"], *item.get("forms", [])]:
            entries.append(_Phrase(tuple(w.lower() for w in words(str(form))), str(item["phrase"]),
                                   str(item["friendlier"]), str(item["why"])))
    # Longest first, so "laatste waarschuwing" wins over "waarschuwing".
    return tuple(sorted(entries, key=lambda e: -len(e.phrase)))


_NEGATIONS = {"geen", "niet"}


def _reassures(tokens: list[str], start: int, end: int) -> bool:
    """'Een controle is geen straf', 'niet verplicht': the word is used to take fear away."""
    before = tokens[start - 1].lower() if start else ""
    after = tokens[end].lower() if end < len(tokens) else ""
    return before in _NEGATIONS or after in {"voorkomen", "te voorkomen"}


def _false_positive(entry: _Phrase, sentence: str, tokens: list[str], start: int, end: int) -> bool:
    """The list's notes, as code: readings of a listed phrase that are not a threat."""
    lower = [t.lower() for t in tokens]
    after = lower[end] if end < len(lower) else ""
    if entry.written == "u moet":
        return sentence.rstrip().endswith("?")  # "Moet u geld terugbetalen?" is a neutral question
    if entry.written == "anders":
        # A threat opens the clause after a demand: "Geef het door, anders ...". "Wij zijn anders
        # open" and "iets anders" are not threats.
        opens_clause = start == 0 or re.search(r"[,;:]\s*anders\b", sentence, re.I) is not None
        return after == "dan" or not opens_clause
    if entry.written == "direct":
        return after in {"contact", "geholpen", "hulp"}
    if entry.written == "aangifte":
        return after in {"inkomstenbelasting", "ib"}
    return False


def _list_findings(sentence: str, offset: int = 0) -> tuple[list[TextFinding], int]:
    """Findings for listed phrases, and how many listed phrases were used to reassure."""
    spans = word_spans(sentence)
    tokens = [sentence[start:end] for start, end in spans]
    found, reassured = [], 0
    for start, end, entry in find_phrases(tokens, _tone_list()):
        if _false_positive(entry, sentence, tokens, start, end):
            continue
        if _reassures(tokens, start, end):
            reassured += 1
            continue
        written = " ".join(tokens[start:end])
        found.append(TextFinding("tone", "warning", f"'{written}' {entry.why}.", written,
                                 f"Schrijf liever: {entry.friendlier}",
                                 spans=((offset + spans[start][0], offset + spans[end - 1][1]),),
                                 plain=entry.friendlier))
    return found, reassured


_START = r"(?:^|(?<=[.!?] ))"  # the start of a sentence

# Threatening forms without a listed word: each is a sentence shape, not a word.
_FORMS = (
    # "Wie niet meewerkt, krijgt ...": a rule about wrongdoers, aimed at everyone in the room.
    (re.compile(_START + r"wie\b[^?.!]*,", re.I),
     "Een zin als 'Wie ..., ...' spreekt iedereen aan als mogelijke overtreder.",
     "Spreek de lezer aan met 'u' en zeg wat u voor hem kunt doen."),
    # "Doe het goed, of het kost u geld": an ultimatum.
    (re.compile(r",\s*of\s+(het|u|wij|we|dan|uw)\b", re.I),
     "Een ultimatum ('doe dit, of ...') klinkt als een dreigement.",
     "Zeg wat de lezer kan doen en hoe u helpt."),
    # "Geen papieren? Dan geen geld.": a failure, straight to its consequence.
    (re.compile(_START + r"(geen|niet)\b[^?.!]*\?\s*dan\b", re.I),
     "Eerst een fout, dan meteen het gevolg: dat klinkt als straf.",
     "Vertel wat de lezer kan doen en dat u helpt, bijvoorbeeld: 'Bel ons, dan zoeken we samen een oplossing.'"),
    # "Denk niet dat ...", "Vergeet het niet nog een keer": assumes bad intent or scolds.
    (re.compile(_START + r"denk niet dat\b|\bniet (nog een keer|nog eens|weer)\b", re.I),
     "Deze zin gaat ervan uit dat de lezer iets fout doet, of berispt hem.",
     "Help de lezer: 'Twijfelt u? Vraag het ons.'"),
)


def _squeezed(text: str) -> tuple[str, list[int]]:
    """`" ".join(text.split())`, and where each of its characters stands in `text`."""
    pieces = list(re.finditer(r"\S+", text))
    where = []
    for i, piece in enumerate(pieces):
        where += range(piece.start(), piece.end())
        if i < len(pieces) - 1:
            where.append(piece.end())  # the one space standing for the whitespace there
    return " ".join(p.group() for p in pieces), where


def _form_findings(text: str) -> list[TextFinding]:
    # Read as one text: "Geen papieren? Dan geen geld." is a question and its answer.
    squeezed, where = _squeezed(text)
    found = []
    for pattern, message, suggestion in _FORMS:
        for m in pattern.finditer(squeezed):
            words_found = m.group(0).strip()
            start = m.start() + m.group(0).index(words_found)
            span = (where[start], where[start + len(words_found) - 1] + 1)
            found.append(TextFinding("tone", "warning", message, words_found, suggestion, spans=(span,)))
    return found


_GREETINGS = {"welkom", "hallo", "goedemorgen", "goedemiddag", "dag", "hoi", "gefeliciteerd", "bedankt", "dank"}


def _exclamations(text: str) -> list[TextFinding]:
    found = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if "!" not in sentence:
            continue
        first = words(sentence)[0].lower() if words(sentence) else ""
        if first in _GREETINGS and len(words(sentence)) <= 3:
            continue  # "Welkom!" greets; it does not shout
        found.append(TextFinding("exclamation", "warning", "Een uitroepteken klinkt streng of alarmerend.",
                                 sentence, "Gebruik een punt. Wilt u iets benadrukken? Zet het bovenaan.",
                                 spans=((start, end),)))
    return found


def _capitals(text: str) -> list[TextFinding]:
    spans = word_spans(text)
    shouting = [w for w in dict.fromkeys(words(text)) if is_shouting(w) and not is_known_abbreviation(w)]
    return [TextFinding("tone", "warning", f"'{w}' in hoofdletters klinkt als schreeuwen.", w,
                        "Schrijf in gewone letters.", plain=w.lower(),
                        spans=tuple(span for span in spans if text[slice(*span)] == w)) for w in shouting]


def _tone_parts(text: str) -> tuple[list[TextFinding], int]:
    found, reassured = [], 0
    for start, end in sentence_spans(text):
        hits, calm = _list_findings(text[start:end], start)
        found += hits
        reassured += calm
    return found + _form_findings(text) + _exclamations(text) + _capitals(text), reassured


def check_tone(text: str) -> list[TextFinding]:
    """Tone findings for one Dutch text: listed phrases, threatening forms, '!' and capitals."""
    return _tone_parts(text)[0]


# Signs that a text offers help, cooperation or a right: they outweigh a hard word.
_SUPPORT = re.compile(
    r"\b(help\w*|hulp|samen|graag|gerust|welkom|gratis|uitleg\w*|leggen [\w ]*uit|legt [\w ]*uit|"
    r"vraag (het )?ons|bel ons|vertel (het )?ons|oplossing|oplossen|lossen [\w ]*op|toestemming|"
    r"goed vindt|u mag|mag u|recht op|zonder oordeel|niet de enige)\b",
    re.I,
)


def classify_tone(sentence: str) -> str:
    """'threatening' if the threatening signals outnumber the signs of help and reassurance."""
    found, reassured = _tone_parts(sentence)
    support = len(_SUPPORT.findall(sentence)) + reassured
    return "threatening" if len(found) > support else "friendly"
