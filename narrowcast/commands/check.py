"""`narrowcast check`: every check over a content folder, a table per slide and the findings."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from ..publish.build import measure
from ..render.cache import RenderCache
from ..render.pool import RenderPool, likely_to_render
from ..check.content import language_findings, slide_fields
from ..check.readability import flesch_douma, flesch_douma_band, words
from ..check.legibility import static_findings
from ..schedule.looplength import loop_findings, screen_language_findings
from ..check.readingtime import reading_seconds
from ..check.owners import owner, slide_spans
from ..errors import Finding, summary
from ..content.load import load_site
from ..content.model import Site
from ..state.screenkeys import unset_warning


def run_checks(root: Path, now: datetime, render: bool = True) -> tuple[Site | None, list[Finding]]:
    """Schema and references; then, on valid content, language, tone, reading time and legibility.

    Legibility is measured on the rendered slides (cached renders are reused), so it needs Chromium.
    """
    site, findings = load_site(root)
    if site is None:
        return None, findings
    cache = RenderCache.beside(root / "output")
    findings = findings + language_findings(site, cache.checks_memo) + static_findings(site) + loop_findings(site, now)
    findings += screen_language_findings(site)
    unset_keys = unset_warning(site.config)  # a server setting, so `check` says it, not every build
    if unset_keys:
        findings.append(unset_keys)
    if render:
        with RenderPool(start=likely_to_render(root, cache)) as renderer:  # a cached folder needs no browser
            findings += measure(site, now, renderer, cache)
    return site, sorted(findings)


def slide_rows(site: Site, findings: list[Finding]) -> list[dict]:
    """One row per slide (a law's phases too, as they show on screen): where it is, its words,
    Flesch-Douma and band, reading time, findings."""
    by_slide_errors: Counter = Counter()
    by_slide_warnings: Counter = Counter()
    spans = slide_spans(site)
    for finding in findings:
        whose = owner(spans, finding)
        if whose:
            (by_slide_errors if finding.is_error else by_slide_warnings)[whose] += 1
    rows = []
    checks = site.config.checks
    for slide in site.slides.values():
        texts = [text for _, text in slide_fields(slide)]
        joined = " ".join(t.rstrip(".!?") + "." for t in texts)
        score = flesch_douma(joined)
        line = slide.origin.line(() if slide.phase else ("id",))  # a phase: its before:/after: block
        rows.append({"id": slide.id, "file": slide.origin.file, "line": line,
                     "words": sum(len(words(t)) for t in texts), "flesch_douma": round(score),
                     "band": flesch_douma_band(score),
                     "reading_seconds": round(reading_seconds(texts, checks.words_per_minute, checks.find_seconds)),
                     "duration": slide.duration, "errors": by_slide_errors[slide.id],
                     "warnings": by_slide_warnings[slide.id]})
    return rows


def format_findings(findings: list[Finding], root: Path, site: Site | None = None) -> dict:
    errors = sum(f.is_error for f in findings)
    return {
        "root": str(root),
        "errors": errors,
        "warnings": len(findings) - errors,
        "summary": summary(findings),
        "slides": slide_rows(site, findings) if site else [],
        "findings": [f.as_dict() for f in findings],
    }


def print_report(site: Site | None, findings: list[Finding], failed: bool) -> None:
    """The table per slide, then every finding with its place, then the verdict."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160  # a log or a pipe: keep each row on one line
    if site is not None:
        table = Table(title="Per dia", title_justify="left")
        for column in ("dia", "plaats", "woorden", "Flesch-Douma", "leestijd", "fouten", "waarsch."):
            table.add_column(column, no_wrap=column in ("dia", "plaats"),
                             justify="right" if column in ("woorden", "leestijd", "fouten", "waarsch.") else "left")
        for row in slide_rows(site, findings):
            reading = f"{row['reading_seconds']} s" + (f" / {row['duration']} s" if row["duration"] else "")
            table.add_row(row["id"], f"{row['file']}:{row['line']}", str(row["words"]),
                          f"{row['flesch_douma']} {row['band']}", reading,
                          str(row["errors"] or ""), str(row["warnings"] or ""))
        console.print(table)
    for finding in findings:
        console.print(str(finding), markup=False)
    verdict = "niet in orde" if failed else "in orde"
    console.print(f"Controle {verdict}: {summary(findings)}.", markup=False)
