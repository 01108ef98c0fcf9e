"""Whose finding is it: the slide a finding of a file belongs to, by the lines the slides start at.

One rule for `narrowcast check`'s table, the preview pages and the studio's editor.
"""

from __future__ import annotations

from ..content.model import Site
from ..errors import Finding

Spans = dict[str, list[tuple[int, str | None]]]  # file -> (first line, slide id or None) in line order


def slide_spans(site: Site) -> Spans:
    """Per file, the first line of each slide, so a finding's line tells whose it is.

    A law phase starts at its before:/after: block; the law's own first line starts no one's,
    so a finding on its dates is not counted for the phase of the law above it in the file.
    """
    spans: Spans = {}
    for slide in site.slides.values():
        if slide.phase is not None:
            spans.setdefault(slide.origin.file, []).append((slide.phase.law.origin.line(), None))
        spans.setdefault(slide.origin.file, []).append((slide.origin.line(), slide.id))
    return {file: sorted(lines, key=lambda span: (span[0], span[1] is not None, span[1] or ""))
            for file, lines in spans.items()}


def owner(spans: Spans, finding: Finding) -> str | None:
    """The id of the slide the finding is about; None when it is about no slide."""
    found = None
    for line, ident in spans.get(finding.file, []):
        if line <= finding.line:
            found = ident
    return found
