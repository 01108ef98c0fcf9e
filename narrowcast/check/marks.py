"""Check findings placed at their characters, for an editor that underlines them in the text.

A `Mark` is one finding at one place: `text[start:end]` is the marked word or phrase (offsets in
Python characters, that is code points; `Mark.to_json(text)` adds UTF-16 offsets for a browser).
The places come from the checks themselves (`TextFinding.spans`, their own tokens), never from a
second search. A finding about a whole sentence or text (its length, its reading level) marks that
sentence or the text. `apply` writes a mark's plain alternative in place of its words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, replace

from ..content.lawfacts import CHECK_DAYS, PLACEHOLDER_RE, law_values
from ..content.model import Site, Slide
from .content import rules_from, slide_fields
from .language import DEFAULT_RULES, LanguageRules, TextFinding, check_text, slide_level_findings
from .tone import check_tone
from .translations import (UNSPACED_LANGUAGES, sentence_length_message, title_length_message,
                           translation_fields, translation_sentence_spans, words_message)


@dataclass(frozen=True)
class Mark:
    """One finding at one place in a text: underline `text[start:end]`, show `message` beside it."""

    start: int
    end: int
    rule: str
    severity: str  # "error" | "warning"
    message: str   # Dutch, as the check says it
    suggestion: str | None = None       # what one click writes in place of the words: alternatives[0]
    alternatives: tuple[str, ...] = ()  # every plain alternative one click can write
    advice: str | None = None           # the check's own advice in Dutch ("Schrijf: met / via")

    def to_json(self, text: str | None = None) -> dict:
        """The mark as JSON data; with its `text`, also its offsets in UTF-16 units (JavaScript strings)."""
        data = asdict(self)
        data["alternatives"] = list(self.alternatives)
        if text is not None:
            data["start_utf16"] = _utf16_length(text[:self.start])
            data["end_utf16"] = _utf16_length(text[:self.end])
        return data


def marks(text: str, rules: LanguageRules = DEFAULT_RULES) -> list[Mark]:
    """Every language and tone finding of one text, each at its place; about the whole text too."""
    return _sorted(_field_marks(text, rules) + _whole(text, slide_level_findings([text], rules)))


def apply(text: str, mark: Mark, choice: int | str = 0) -> str:
    """The text with the marked words replaced by one of the mark's alternatives (the first by default).

    The alternative starts with a capital when the marked words start a sentence; nothing else changes.
    """
    if not mark.alternatives:
        raise ValueError(f"no alternative to write for a {mark.rule} mark")
    if isinstance(choice, str):
        if choice not in mark.alternatives:
            raise ValueError(f"{choice!r} is not one of {mark.alternatives}")
        written = choice
    else:
        written = mark.alternatives[choice]
    if _starts_sentence(text, mark.start):
        written = written[:1].upper() + written[1:]
    return text[:mark.start] + written + text[mark.end:]


def slide_marks(site: Site, slide: Slide) -> dict[str, list[Mark]]:
    """The marks of each text field of a slide, by path ("title", "text", "highlight", "steps.0.text",
    "translations.en.title"), at the characters of the text as written (law placeholders such as
    `{datum}` included), with the folder's `checks:` rules.

    Findings about the whole slide (its word total, its reading level) mark the whole title, where
    `narrowcast check` reports them too. Translations get the checks that fit any language (sentence
    length, word total, a long title); the Dutch word lists are not theirs.
    """
    rules = rules_from(site.config.checks)
    found: dict[str, list[Mark]] = {}
    fields = slide_fields(slide)
    for path, text in fields:
        found[_key(path)] = _field_marks(text, rules)
    found["title"] += _whole(fields[0][1], slide_level_findings([text for _, text in fields], rules))
    for lang in slide.translations:
        found.update(_translation_marks(slide, lang, rules))
    # Back from the texts as shown (placeholders filled in) to the texts as written.
    written = {_key(path): _at(slide, path) for path, _ in fields}
    for lang in slide.translations:
        written.update({_key(path): _at(slide, path) for path, _ in translation_fields(slide, lang)})
    return {key: _sorted(_unfilled(written[key], items, _values(slide, key)))
            for key, items in found.items()}


# --- placing findings --------------------------------------------------------------------------

def _field_marks(text: str, rules: LanguageRules) -> list[Mark]:
    return [mark for finding in check_text(text, rules) + check_tone(text) for mark in _placed(text, finding)]


def _placed(text: str, finding: TextFinding) -> list[Mark]:
    if not finding.spans:
        return _whole(text, [finding])
    alternatives = _alternatives(finding)
    return [Mark(*_whole_words(text, start, end), finding.rule, finding.severity, finding.message,
                 alternatives[0] if alternatives else None, alternatives, finding.suggestion)
            for start, end in finding.spans]


def _whole(text: str, findings: list[TextFinding]) -> list[Mark]:
    """Marks over the whole text (without its surrounding whitespace), without an alternative."""
    start = len(text) - len(text.lstrip())
    end = max(start, len(text.rstrip()))
    return [Mark(start, end, f.rule, f.severity, f.message, advice=f.suggestion) for f in findings]


def _alternatives(finding: TextFinding) -> tuple[str, ...]:
    """The plain alternatives one click can write: the list's "a / b", without templates or notes.

    "om ... te" needs the rest of the sentence moved, "(leg uit waarom)" is a note to the writer and
    "twijfelt u? Vraag het ons" rewrites the sentence: those stay advice. An abbreviation's
    explanation in brackets ("UWV (de instantie voor WW en ziektewet)") is what to write.
    """
    if not finding.plain:
        return ()
    if finding.rule == "abbreviation":
        return (finding.plain,) if "..." not in finding.plain else ()
    options = (option.strip() for option in finding.plain.split(" / "))
    return tuple(option for option in options if option and not re.search(r"\.\.\.|…|[():;?!]", option))


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widened so that no offset falls inside a word (a combining accent the tokens left out: e + ◌́)."""
    while 0 < start < len(text) and _wordish(text[start - 1]) and _wordish(text[start]):
        start -= 1
    while 0 < end < len(text) and _wordish(text[end - 1]) and _wordish(text[end]):
        end += 1
    return start, end


def _wordish(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")


# Between a sentence's end and its next word: spaces, quotes and brackets.
_BETWEEN = " \t\"'“‘”’()«»¡¿"


def _starts_sentence(text: str, start: int) -> bool:
    """At the start of the text, after . ! or ?, or at the start of a line that begins with a capital."""
    before = text[:start].rstrip(_BETWEEN)
    if not before.strip():
        return True
    if before.endswith(("\n", "\r")):
        return text[start:start + 1].isupper()
    return before.rstrip()[-1] in ".!?"


def _sorted(found: list[Mark]) -> list[Mark]:
    return sorted(found, key=lambda m: (m.start, m.end, m.rule, m.message))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- slides ------------------------------------------------------------------------------------

def _key(path: tuple) -> str:
    return ".".join(str(part) for part in path)


def _at(slide: Slide, path: tuple) -> str:
    value = slide
    for part in path:
        value = value[part] if isinstance(value, (dict, list)) else getattr(value, part)
    return value


def _values(slide: Slide, key: str) -> dict[str, str]:
    """What the placeholders of the field at `key` say, as its checks read them."""
    lang = key.split(".")[1] if key.startswith("translations.") else "nl"
    return law_values(slide, lang, CHECK_DAYS)


def _translation_marks(slide: Slide, lang: str, rules: LanguageRules) -> dict[str, list[Mark]]:
    """The marks of one translation: the checks of check/translations.py that concern a text."""
    fields = translation_fields(slide, lang)
    found: dict[str, list[Mark]] = {_key(path): [] for path, _ in fields}
    title_key, title = _key(fields[0][0]), fields[0][1]
    message = title_length_message(slide, lang, title)
    if message:
        found[title_key] += _whole(title, [TextFinding("translation-title", "warning", message, title)])
    if lang.split("-")[0] in UNSPACED_LANGUAGES:
        return found
    for path, text in fields:
        for start, end in translation_sentence_spans(text):
            message = sentence_length_message(lang, text[start:end], rules)
            if message:
                found[_key(path)].append(Mark(start, end, "translation-sentence-length", "warning", message))
    too_many = words_message(lang, [text for _, text in fields], rules)
    if too_many:
        found[title_key] += _whole(title, [TextFinding("translation-words", too_many[0], too_many[1], title)])
    return found


def _unfilled(written: str, found: list[Mark], values: dict[str, str]) -> list[Mark]:
    """Marks on the text as shown, moved to the text as written (its placeholders not filled in).

    A mark touching a filled-in value covers its whole placeholder and loses its alternatives:
    those words come from the law, not from this text.
    """
    if not values or "{" not in written:
        return found
    pieces = []  # (start as written, end as written, start as shown, end as shown)
    shown = 0
    for match in PLACEHOLDER_RE.finditer(written):
        value = values.get(match.group(1), match.group(0))
        # As lawfacts.fill: a value ending in a full stop before one loses its own.
        if value.endswith(".") and written.startswith(".", match.end()):
            value = value[:-1]
        shown += match.start() - (pieces[-1][1] if pieces else 0)
        pieces.append((match.start(), match.end(), shown, shown + len(value)))
        shown += len(value)

    def back(offset: int, at_end: bool) -> int:
        delta = 0
        for w_start, w_end, s_start, s_end in pieces:
            if offset < s_start or (at_end and offset == s_start):
                break
            if offset < s_end or (at_end and offset == s_end and s_start < s_end):
                return w_end if at_end else w_start
            delta = w_end - s_end
        return offset + delta

    moved = []
    for mark in found:
        start, end = back(mark.start, False), back(mark.end, True)
        from_law = any(s_start < mark.end and mark.start < s_end for _, _, s_start, s_end in pieces)
        moved.append(replace(mark, start=start, end=end,
                             **(dict(suggestion=None, alternatives=()) if from_law else {})))
    return moved
