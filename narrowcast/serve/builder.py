"""The server's builds run in one worker process, which keeps its Chromium between builds.

A build's Python work (reading, checks, templates, hashing) holds the interpreter lock; in a
thread of the server it stalled every screen's request while it ran (p99 of conditional GETs
went from 2 ms to 780 ms during a rebuild, bench/serve_load.py). In its own process it cannot.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path


def build_in_worker(root: Path, now: datetime, jobs: int) -> dict:
    """Runs in the worker: a build, its outcome as plain data (exceptions don't travel well)."""
    from ..build import build
    from ..errors import ContentError, NarrowcastError

    try:
        report = build(root, now, None, jobs, keep_browser=True)
    except ContentError as exc:
        return {"ok": False, "content": True, "error": str(exc)}
    except NarrowcastError as exc:
        return {"ok": False, "content": False, "error": str(exc)}
    return {"ok": True, "versions": report.versions, "rendered": report.rendered, "cached": report.cached,
            "seconds": report.seconds}


class Builder:
    """One worker process, started on first use (spawned: no locks inherited from the server's threads)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def build(self, root: Path, now: datetime, jobs: int) -> dict:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return await asyncio.get_running_loop().run_in_executor(self._pool, build_in_worker, root, now, jobs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
