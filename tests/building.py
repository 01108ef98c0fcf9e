"""Building in tests as the command line does: the test owns the browser for the build's length."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from narrowcast.publish.build import BuildOptions, BuildReport
from narrowcast.publish.build import build as build_with
from narrowcast.render.pool import RenderPool


def build(root: Path, now: datetime, *, jobs: int = 2, **options) -> BuildReport:
    """One build with a browser of its own (closed afterwards); `options` as BuildOptions takes them."""
    with RenderPool(jobs) as renderer:
        return build_with(root, now, BuildOptions(**options), renderer)
