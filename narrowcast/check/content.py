"""Language, tone and reading-time checks over a whole site, as findings at file:line."""

from __future__ import annotations

from ..errors import Finding
from ..model import Checks, Site, Slide
from .language import LanguageRules, TextFinding, check_text, slide_level_findings
from .readingtime import check_duration
from .tone import check_tone


def rules_from(checks: Checks) -> LanguageRules:
    return LanguageRules(sentence_warn=checks.sentence_warn, sentence_error=checks.sentence_error,
                         slide_words_warn=checks.slide_words_warn, slide_words_error=checks.slide_words_error,
                         long_word_syllables=checks.long_word_syllables, flesch_douma_warn=checks.flesch_douma_warn,
                         extra_officialese=tuple((e.word, e.plain) for e in checks.extra_officialese),
                         allowed_words=tuple(checks.allowed_words))


def slide_fields(slide: Slide) -> list[tuple[tuple, str]]:
    """(path, text) of every own-language text a reader sees on the slide."""
    fields = [(("title",), slide.title)]
    if slide.text:
        fields.append((("text",), slide.text))
    if slide.highlight:
        fields.append((("highlight",), slide.highlight))
    fields += [(("steps", i, "text"), step.text) for i, step in enumerate(slide.steps)]
    return fields


def _duration_check(slide: Slide, duration: int, checks: Checks) -> list[TextFinding]:
    return check_duration([text for _, text in slide_fields(slide)], duration,
                          words_per_minute=checks.words_per_minute, find_seconds=checks.find_seconds)


def playlist_duration_findings(site: Site) -> list[Finding]:
    """A playlist may not shorten a slide below its reading time either."""
    findings = []
    for playlist in site.playlists.values():
        for i, item in enumerate(playlist.items):
            if item.duration is not None and item.slide in site.slides:
                for found in _duration_check(site.slides[item.slide], item.duration, site.config.checks):
                    findings.append(_finding(item.origin, ("duration",), found))
    return findings


def language_findings(site: Site) -> list[Finding]:
    """Every plain-language, tone and reading-time finding of the site's Dutch texts."""
    checks = site.config.checks
    rules = rules_from(checks)
    findings: list[Finding] = []
    for slide in site.slides.values():
        findings += _slide_findings(slide, slide.origin, (), rules, checks)
    for law in site.laws.values():
        for part in ("before", "after"):
            text = getattr(law, part)
            if text is not None:
                pseudo = Slide(id=law.id, title=text.title, text=text.text, highlight=text.highlight,
                               duration=law.duration)
                findings += _slide_findings(pseudo, law.origin, (part,), rules, checks)
    return findings + playlist_duration_findings(site)


def _slide_findings(slide: Slide, origin, prefix: tuple, rules: LanguageRules, checks: Checks) -> list[Finding]:
    findings = []
    fields = slide_fields(slide)
    for path, text in fields:
        for found in check_text(text, rules) + check_tone(text):
            findings.append(_finding(origin, prefix + path, found))
    for found in slide_level_findings([text for _, text in fields], rules):
        findings.append(_finding(origin, prefix + ("title",), found))
    if slide.duration is not None:
        findings += [_finding(origin, prefix + ("duration",), f) for f in _duration_check(slide, slide.duration, checks)]
    return findings


def _finding(origin, path: tuple, found: TextFinding) -> Finding:
    message = found.message.rstrip(".")
    if found.words and found.words not in message and len(found.words) <= 60:
        message += f" ('{found.words}')"
    if found.suggestion:
        message += f"; {found.suggestion[0].lower()}{found.suggestion[1:]}"
    return origin.finding(path, message, severity=found.severity, code=found.rule)
