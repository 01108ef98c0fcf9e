"""`narrowcast check`: every check over a content folder, collected into one list of findings."""

from __future__ import annotations

from pathlib import Path

from .errors import Finding, summary
from .check.content import language_findings
from .load import load_site


def run_checks(root: Path) -> list[Finding]:
    """Schema and reference findings, then (on valid content) plain language, tone and reading time."""
    site, findings = load_site(root)
    if site is not None:
        findings = sorted(findings + language_findings(site))
    return findings


def format_findings(findings: list[Finding], root: Path) -> dict:
    errors = sum(f.is_error for f in findings)
    return {
        "root": str(root),
        "errors": errors,
        "warnings": len(findings) - errors,
        "summary": summary(findings),
        "findings": [f.as_dict() for f in findings],
    }
