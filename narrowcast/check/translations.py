"""Checks of a slide's translations that fit any language, as findings at the translation's lines.

- half (a field the Dutch has is missing: the language is not shown) and out of date (the Dutch
  changed since `narrowcast translations --mark`): warnings;
- words per slide, with the Dutch limits (`checks.slide_words_warn/error`): too much for one screen
  in any language, so above the error limit it is an error;
- words per sentence and reading time against an explicit `duration`: warnings, because word counts
  differ between languages (Turkish and Arabic write in fewer, longer words; English in more,
  shorter ones) while the limits and the reading speed were set for Dutch;
- a title much longer than the Dutch one: a warning.
Only for languages that separate words with spaces; plain-language rules (officialese lists,
Flesch-Douma) are Dutch and stay in check/language.py.
"""

from __future__ import annotations

import math
import re
import unicodedata

from ..content.lawfacts import CHECK_DAYS, filled
from ..content.model import Checks, Site, Slide
from ..content.translations import OUTDATED, HALF, mark_command, translation_status
from ..errors import Finding
from .language import LanguageRules

# Scripts written without spaces between words: a word count means nothing there.
UNSPACED_LANGUAGES = {"zh", "ja", "th", "lo", "km", "my", "bo"}
TITLE_FLOOR, TITLE_FACTOR = 40, 1.5  # a title may grow to 1.5x the Dutch one's characters, or to 40

_SENTENCE_END = re.compile(r"(?<=[.!?؟।。！？])[\"'”’»)]*\s+")
_JOINERS = "'’.-"


def translation_words(text: str) -> list[str]:
    """The words of a text in any spaced script: letters, digits and their marks (the vowel signs
    of Arabic or Hindi stay inside the word), with inner apostrophes, dots and hyphens."""
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" or c in _JOINERS else " " for c in text)
    return [w for w in (token.strip(_JOINERS) for token in kept.split()) if w]


def translation_sentences(text: str) -> list[str]:
    """Sentences: a stop, then a word that does not start in lower case ('e.g. the' is one sentence;
    Arabic has no case, so every stop ends one)."""
    sentences: list[str] = []
    for part in _SENTENCE_END.split(text.strip()):
        if sentences and part[:1].islower():
            sentences[-1] += " " + part
        else:
            sentences.append(part)
    return [s for s in sentences if translation_words(s)]


def translation_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each of `translation_sentences(text)` stands in `text`: (start, end) offsets."""
    spans: list[list[int]] = []
    start = 0
    for end in [*_SENTENCE_END.finditer(text), None]:
        stop = end.start() if end else len(text)
        part = text[start:stop]
        first = start + len(part) - len(part.lstrip())
        last = start + len(part.rstrip())
        if spans and text[first:first + 1].islower():
            spans[-1][1] = last
        elif first < last:
            spans.append([first, last])
        start = end.end() if end else start
    return [(a, b) for a, b in spans if translation_words(text[a:b])]


def sentence_length_message(lang: str, sentence: str, rules: LanguageRules) -> str | None:
    """What a translated sentence over the sentence limit is told; None when it is short enough."""
    count = len(translation_words(sentence))
    if count <= rules.sentence_warn:
        return None
    limit = rules.sentence_error if count > rules.sentence_error else rules.sentence_warn
    return (f"in de vertaling ({lang}) heeft deze zin {count} woorden; meer dan {limit} is te lang om snel "
            f"te lezen op een scherm ('{_short(sentence)}'); maak er twee korte zinnen van")


def title_length_message(slide: Slide, lang: str, title: str) -> str | None:
    """What a translated title much longer than the Dutch one is told; None when it is not."""
    mine, dutch = len(title.strip()), len(filled(slide, "nl", CHECK_DAYS, slide.title).strip())
    if mine <= max(TITLE_FLOOR, TITLE_FACTOR * dutch):
        return None
    return (f"de titel van de vertaling ({lang}) is veel langer dan de Nederlandse ({mine} tegen {dutch} tekens); "
            "een lange titel leest traag en past misschien niet; maak hem korter")


def words_message(lang: str, texts: list[str], rules: LanguageRules) -> tuple[str, str] | None:
    """(severity, message) for a translation with too many words for one screen; None when it fits."""
    total = sum(len(translation_words(text)) for text in texts)
    if total <= rules.slide_words_warn:
        return None
    severity = "error" if total > rules.slide_words_error else "warning"
    limit = rules.slide_words_error if severity == "error" else rules.slide_words_warn
    return severity, (f"de vertaling ({lang}) heeft {total} woorden; meer dan {limit} is te veel voor één scherm; "
                      "maak de vertaling korter (ook een vertaling is in eenvoudige taal), of maak er twee dia's van")


def translation_fields(slide: Slide, lang: str) -> list[tuple[tuple, str]]:
    """(path on the slide, text) of every text a reader of this translation sees, its law's facts
    filled in (in that language), as the Dutch ones are for their checks."""
    translation = slide.translations[lang]
    at = ("translations", lang)
    fields = [(at + ("title",), translation.title)]
    for name in ("text", "highlight"):
        if getattr(translation, name):
            fields.append((at + (name,), getattr(translation, name)))
    fields += [(at + ("steps", i, "text"), step.text) for i, step in enumerate(translation.steps or [])]
    return [(path, filled(slide, lang, CHECK_DAYS, text)) for path, text in fields]


def translation_findings(slide: Slide, rules: LanguageRules, checks: Checks) -> list[Finding]:
    """Every finding about the slide's translations (memoised with the slide's own: same document)."""
    findings: list[Finding] = []
    for lang in slide.translations:
        findings += _status_findings(slide, lang)
        fields = translation_fields(slide, lang)
        findings += _title_findings(slide, lang, fields[0][1])
        if lang.split("-")[0] in UNSPACED_LANGUAGES:
            continue
        findings += _length_findings(slide, lang, fields, rules)
        if slide.duration is not None:
            which = f"de tekst onder {slide.phase.part}: " if slide.phase else ""
            findings += _reading_findings(slide.origin, ("duration",), lang, fields, slide.duration, checks, which)
    return findings


def playlist_translation_findings(site: Site) -> list[Finding]:
    """A playlist's duration holds for a slide's translations too: long enough to read them?"""
    findings = []
    checks = site.config.checks
    for playlist in site.playlists.values():
        for item in playlist.items:
            slide = site.slides.get(item.slide) if item.duration is not None else None
            for lang in (slide.translations if slide else ()):
                if lang.split("-")[0] not in UNSPACED_LANGUAGES:
                    findings += _reading_findings(item.origin, ("duration",), lang, translation_fields(slide, lang),
                                                  item.duration, checks, f"dia {slide.id}: ")
    return findings


def _status_findings(slide: Slide, lang: str) -> list[Finding]:
    status = translation_status(slide, lang)
    findings = []
    if status.state == HALF:
        names = " en ".join(f"'{name}'" for name in status.missing)
        verb = "ontbreekt" if len(status.missing) == 1 else "ontbreken"
        findings.append(slide.origin.finding(("translations", lang), (
            f"vertaling ({lang}) mist {names}; zolang die {verb}, komt deze taal niet op het scherm; "
            f"vul de vertaling aan, of haal hem weg"), severity="warning", code="translation-incomplete"))
    if status.outdated:
        findings.append(slide.origin.finding(("translations", lang, "source"), (
            f"vertaling {OUTDATED}: de Nederlandse tekst is veranderd sinds deze vertaling ({lang}) is gemaakt; "
            f"pas de vertaling aan en zet hem op bijgewerkt met: {mark_command(slide, lang)}"),
            severity="warning", code="translation-outdated"))
    return findings


def _title_findings(slide: Slide, lang: str, title: str) -> list[Finding]:
    message = title_length_message(slide, lang, title)
    return [slide.origin.finding(("translations", lang, "title"), message, severity="warning",
                                 code="translation-title")] if message else []


def _length_findings(slide: Slide, lang: str, fields: list[tuple[tuple, str]], rules: LanguageRules) -> list[Finding]:
    findings = []
    for path, text in fields:
        for sentence in translation_sentences(text):
            message = sentence_length_message(lang, sentence, rules)
            if message:
                findings.append(slide.origin.finding(path, message, severity="warning",
                                                     code="translation-sentence-length"))
    too_many = words_message(lang, [text for _, text in fields], rules)
    if too_many:
        findings.append(slide.origin.finding(("translations", lang, "title"), too_many[1], severity=too_many[0],
                                             code="translation-words"))
    return findings


def _reading_findings(origin, path: tuple, lang: str, fields: list[tuple[tuple, str]], duration: int,
                      checks: Checks, which: str = "") -> list[Finding]:
    count = sum(len(translation_words(text)) for _, text in fields)
    needed = checks.find_seconds + count * 60 / checks.words_per_minute if count else 0.0
    if duration >= needed:
        return []
    return [origin.finding(path, (
        f"{which}de vertaling ({lang}) staat {duration} seconden op het scherm, maar iemand die langzaam leest "
        f"heeft voor {count} woorden {math.ceil(needed)} seconden nodig; zet duration op {math.ceil(needed)} "
        "of meer, of maak de vertaling korter"), severity="warning", code="translation-reading-time")]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
