"""`narrowcast check`: every check over a content folder, collected into one list of findings."""

from __future__ import annotations

from pathlib import Path

from .errors import Finding, summary
from datetime import datetime

from .build import measure
from .check.content import language_findings
from .check.legibility import static_findings
from .load import load_site


def run_checks(root: Path, now: datetime, render: bool = True) -> list[Finding]:
    """Schema and references; then, on valid content, language, tone, reading time and legibility.

    Legibility is measured on the rendered slides (cached renders are reused), so it needs Chromium.
    """
    site, findings = load_site(root)
    if site is None:
        return findings
    findings = findings + language_findings(site) + static_findings(site)
    if render:
        findings += measure(root, now)
    return sorted(findings)


def format_findings(findings: list[Finding], root: Path) -> dict:
    errors = sum(f.is_error for f in findings)
    return {
        "root": str(root),
        "errors": errors,
        "warnings": len(findings) - errors,
        "summary": summary(findings),
        "findings": [f.as_dict() for f in findings],
    }
