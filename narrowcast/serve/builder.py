"""The server's builds run in one worker process, which keeps its Chromium between builds.

A build's Python work (reading, checks, templates, hashing) holds the interpreter lock; in a
thread of the server it stalled every screen's request while it ran (p99 of conditional GETs
went from 2 ms to 780 ms during a rebuild, bench/serve_load.py). In its own process it cannot.

Whatever happens in the worker comes back as an outcome, never as an exception: a bug, a file
that vanished, a worker killed by the kernel. A dead worker is replaced by the next build.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:
    from ..content.model import Site
    from ..errors import Finding
    from ..publish.build import BuildOptions
    from ..render.pool import RenderPool
    from ..schedule.plan import Plan

log = logging.getLogger("narrowcast.serve")
T = TypeVar("T")
STOP_SECONDS = 5  # a worker still building after this is stopped: publishing is atomic, so that is safe
WORKER_DIED = ("het bouwproces is onverwacht gestopt (bijvoorbeeld door te weinig geheugen); "
               "de schermen tonen de vorige versie en de volgende wijziging start een nieuw bouwproces")


def unexpected(exc: BaseException) -> str:
    """A failure that is no content error, in words for the dashboard (the details go to the log)."""
    return (f"het bouwen is mislukt door een onverwachte fout ({type(exc).__name__}: {exc}); "
            "de schermen tonen de vorige versie, details staan in het logboek van de server")


@dataclass(frozen=True)
class BuildOutcome:
    """What one build in the worker came to, as data that crosses the process boundary.

    A good build carries the Site and the plans it published, so the server can show what is live
    without reading the content again; a failed one says why: `findings` for content mistakes
    (file, line, message), `error` a Dutch summary, `detail` a traceback for the log (a bug).
    """

    ok: bool
    versions: dict[str, str] = field(default_factory=dict)
    rendered: int = 0
    cached: int = 0
    seconds: float = 0.0
    site: "Site | None" = None
    plans: "tuple[Plan, ...]" = ()
    error: str = ""
    findings: "tuple[Finding, ...]" = ()
    detail: str = ""
    out: Path | None = None  # where a good build published
    snapshot: str | None = None  # the approved snapshot it built (None: the working copy)

    @property
    def content(self) -> bool:
        """The content is wrong (the author's to fix), not narrowcast or the machine."""
        return bool(self.findings)


def failed(error: str, detail: str = "") -> BuildOutcome:
    return BuildOutcome(ok=False, error=error, detail=detail)


_renderer: "RenderPool | None" = None  # the worker's browser, kept between builds; the worker closes it


def build_in_worker(root: Path, now: datetime, jobs: int, options: "BuildOptions | None" = None) -> BuildOutcome:
    """Runs in the worker: a build, its outcome as plain data (exceptions don't travel well)."""
    from ..errors import ContentError, NarrowcastError
    from ..publish.build import BuildOptions, build
    from ..render.slides import prepare_pages

    renderer = worker_renderer(jobs)
    try:
        report = build(root, now, options or BuildOptions(), renderer)
    except ContentError as exc:  # the browser is fine: the content is not
        return BuildOutcome(ok=False, error=str(exc), findings=tuple(f for f in exc.findings if f.is_error))
    except NarrowcastError as exc:
        retire_renderer()
        return failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure is reported, the server goes on
        retire_renderer()  # perhaps the browser broke: the next build starts a fresh one
        return failed(unexpected(exc), traceback.format_exc())
    from ..state.snapshots import snapshot_of

    prepare_pages(renderer, list(report.renders.values()))
    return BuildOutcome(ok=True, versions=report.versions, rendered=report.rendered, cached=report.cached,
                        seconds=report.seconds, site=report.site, plans=tuple(report.plans), out=report.out,
                        snapshot=snapshot_of(root, report.source))


def worker_renderer(jobs: int) -> "RenderPool":
    global _renderer
    if _renderer is None or _renderer.closed or _renderer.jobs != max(1, jobs):
        from ..render.pool import RenderPool

        retire_renderer()
        _renderer = RenderPool(jobs)
        atexit.register(_renderer.close)  # the worker ends normally when the server closes it
    return _renderer


def retire_renderer() -> None:
    global _renderer
    renderer, _renderer = _renderer, None
    if renderer is not None:
        atexit.unregister(renderer.close)
        renderer.close()


def _worker_started() -> None:
    """In the worker, first: it stops when the server tells it to, or when the server is gone."""
    # Ctrl+C reaches the whole process group: the server decides when its worker stops (close()),
    # so the worker never hands a KeyboardInterrupt back to a server that is shutting down in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="narrowcast-parent", daemon=True).start()


def _exit_with(sentinel: int) -> None:
    """A server killed outright (SIGKILL, OOM) cannot stop its worker: the worker ends itself, and
    its Playwright driver, seeing its pipe close, ends Chromium."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


class Builder:
    """One worker process, started on first use (spawned: no locks inherited from the server's threads)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_started)
        return self._pool

    async def build(self, root: Path, now: datetime, jobs: int, options: "BuildOptions | None" = None) -> BuildOutcome:
        """The outcome of one build in the worker; never raises (but can be cancelled)."""
        return await self.call(failed, build_in_worker, root, now, jobs, options)

    async def call(self, failure: Callable[..., T], function: Callable[..., T], *args) -> T:
        """`function(*args)` in the worker (a module-level function that returns its failures as
        data); a worker that died, or an answer that cannot cross back, becomes `failure(error, detail)`.
        Live builds, the preview and the studio's drafts all take turns in this one worker."""
        try:
            try:
                future = self._worker().submit(function, *args)
            except BrokenProcessPool:  # the worker died while idle: a fresh one takes this call
                await asyncio.to_thread(self.close)
                future = self._worker().submit(function, *args)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            log.error("het bouwproces is gestopt tijdens een build; de volgende build start een nieuw")
            await asyncio.to_thread(self.close)
            return failure(WORKER_DIED)
        except Exception as exc:  # noqa: BLE001 - e.g. an outcome that cannot be unpickled
            return failure(unexpected(exc), traceback.format_exc())

    def close(self, grace: float = STOP_SECONDS) -> None:
        """Stop the worker: it ends its build (up to `grace` s) and closes its browser, or is stopped.

        A stopped worker's Playwright driver sees its pipe close and takes Chromium down with it.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return
        workers = list((getattr(pool, "_processes", None) or {}).values())  # the only handle on them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.join(grace)
            for stop in (process.terminate, process.kill):
                if not process.is_alive():
                    break
                stop()
                process.join(5)
