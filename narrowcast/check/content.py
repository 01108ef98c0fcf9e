"""Language, tone and reading-time checks over a whole site, as findings at file:line."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from ..errors import Finding
from ..content.lawfacts import CHECK_DAYS, filled, law_values
from ..content.model import Checks, Site, Slide
from .lawdates import law_date_findings
from .language import LanguageRules, TextFinding, check_text, slide_level_findings
from .readingtime import check_duration
from .tone import check_tone
from .translations import playlist_translation_findings, translation_findings


def rules_from(checks: Checks) -> LanguageRules:
    return LanguageRules(sentence_warn=checks.sentence_warn, sentence_error=checks.sentence_error,
                         slide_words_warn=checks.slide_words_warn, slide_words_error=checks.slide_words_error,
                         long_word_syllables=checks.long_word_syllables, flesch_douma_warn=checks.flesch_douma_warn,
                         extra_officialese=tuple((e.word, e.plain) for e in checks.extra_officialese),
                         allowed_words=tuple(checks.allowed_words))


def slide_fields(slide: Slide) -> list[tuple[tuple, str]]:
    """(path, text) of every own-language text a reader sees on the slide, its law's facts filled in."""
    fields = [(("title",), slide.title)]
    if slide.text:
        fields.append((("text",), slide.text))
    if slide.highlight:
        fields.append((("highlight",), slide.highlight))
    fields += [(("steps", i, "text"), step.text) for i, step in enumerate(slide.steps)]
    return [(path, filled(slide, "nl", CHECK_DAYS, text)) for path, text in fields]


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


def language_findings(site: Site, memo: Path | None = None) -> list[Finding]:
    """Every plain-language, tone and reading-time finding of the site's Dutch texts.

    With `memo` (a JSON file), a slide whose document, checks settings and checking code are
    unchanged since the run that wrote it gets its findings from there: after one saved slide,
    only that slide is checked again.
    """
    checks = site.config.checks
    rules = rules_from(checks)
    remembered = FindingsMemo(memo, checks)
    findings: list[Finding] = []
    for slide in site.slides.values():  # a law's phases too: each at its own before:/after: block
        # A tied slide's filled-in texts depend on its law, in another file: its facts are part of the key.
        facts = sorted(law_values(slide, "nl", CHECK_DAYS).items()) if slide.phase is None else ()
        findings += remembered.findings(slide.origin, lambda: _slide_findings(slide, rules, checks)
                                        + translation_findings(slide, rules, checks), facts)  # same document: same key
    remembered.save()
    return findings + playlist_duration_findings(site) + law_date_findings(site) + playlist_translation_findings(site)


class FindingsMemo:
    """One content folder's per-slide language findings, by what they depend on.

    Key: the document's digest (its file's bytes and its place in the file; line numbers come from
    there too), the path inside it, the `checks:` settings and a stamp of the checking code and word
    lists. The file keeps only the entries of the last run and is replaced atomically; an
    unreadable file counts as empty.
    """

    def __init__(self, path: Path | None, checks: Checks):
        self.path = path
        self.settings = checks.model_dump_json()
        self.old: dict[str, list] = {}
        self.new: dict[str, list] = {}
        if path is not None:
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                if stored.get("stamp") == _checks_stamp() and isinstance(stored.get("entries"), dict):
                    self.old = stored["entries"]
            except (OSError, ValueError, AttributeError, RecursionError):  # deep [[[[ trips the json module
                pass

    def findings(self, origin, compute, extra=()) -> list[Finding]:
        if self.path is None or not origin.doc.digest:
            return compute()
        key = hashlib.sha256(json.dumps([origin.doc.file, origin.doc.digest, list(map(str, origin.path)),
                                         self.settings] + ([list(extra)] if extra else [])).encode()).hexdigest()[:24]
        if key in self.old:
            try:
                remembered = [_remembered(entry) for entry in self.old[key]]
            except TypeError:  # an entry of the wrong shape: check the slide again
                pass
            else:
                self.new[key] = self.old[key]
                return remembered
        found = compute()
        self.new[key] = [f.as_dict() for f in found]
        return found

    def save(self) -> None:
        if self.path is None or self.new == self.old:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"stamp": _checks_stamp(), "entries": self.new}), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:  # a read-only folder: the next run checks everything again, nothing worse
            pass


def _remembered(entry) -> Finding:
    """A finding as the memo keeps it; TypeError when the entry is not one (a damaged memo)."""
    finding = Finding(**entry)
    texts = (finding.file, finding.field, finding.message, finding.code)
    if not (all(isinstance(t, str) for t in texts) and type(finding.line) is int and type(finding.column) is int
            and finding.severity in ("error", "warning")):
        raise TypeError("not a finding")
    return finding


@lru_cache(maxsize=1)
def _checks_stamp() -> str:
    """A hash of the checking code and its word lists: a new narrowcast checks everything again."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    content = [here.parent / "content" / name for name in ("model.py", "lawfacts.py", "translations.py")]
    for path in sorted(here.glob("*.py")) + sorted((here / "data").glob("*.yaml")) + content:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _slide_findings(slide: Slide, rules: LanguageRules, checks: Checks) -> list[Finding]:
    origin = slide.origin  # a law phase's points into its law: texts at before:/after:, duration on the law
    findings = []
    fields = slide_fields(slide)
    for path, text in fields:
        for found in check_text(text, rules) + check_tone(text):
            findings.append(_finding(origin, path, found))
    for found in slide_level_findings([text for _, text in fields], rules):
        findings.append(_finding(origin, ("title",), found))
    if slide.duration is not None:
        # A law's one duration serves both its texts: each finding says which text is too long for it.
        which = f"de tekst onder {slide.phase.part}: " if slide.phase else ""
        findings += [_finding(origin, ("duration",), f, which) for f in _duration_check(slide, slide.duration, checks)]
    return findings


def _finding(origin, path: tuple, found: TextFinding, which: str = "") -> Finding:
    message = which + found.message.rstrip(".")
    if found.words and found.words not in message and len(found.words) <= 60:
        message += f" ('{found.words}')"
    if found.suggestion:
        message += f"; {found.suggestion[0].lower()}{found.suggestion[1:]}"
    return origin.finding(path, message, severity=found.severity, code=found.rule)
