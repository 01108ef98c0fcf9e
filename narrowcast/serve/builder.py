"""The server's builds run in one worker process, which keeps its Chromium between builds.

A build's Python work (reading, checks, templates, hashing) holds the interpreter lock; in a
thread of the server it stalled every screen's request while it ran (p99 of conditional GETs
went from 2 ms to 780 ms during a rebuild, bench/serve_load.py). In its own process it cannot.

Whatever happens in the worker comes back as an outcome, never as an exception: a bug, a file
that vanished, a worker killed by the kernel. A dead worker is replaced by the next build.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

log = logging.getLogger("narrowcast.serve")
STOP_SECONDS = 5  # a worker still building after this is stopped: publishing is atomic, so that is safe
WORKER_DIED = ("het bouwproces is onverwacht gestopt (bijvoorbeeld door te weinig geheugen); "
               "de schermen tonen de vorige versie en de volgende wijziging start een nieuw bouwproces")


def unexpected(exc: BaseException) -> str:
    """A failure that is no content error, in words for the dashboard (the details go to the log)."""
    return (f"het bouwen is mislukt door een onverwachte fout ({type(exc).__name__}: {exc}); "
            "de schermen tonen de vorige versie, details staan in het logboek van de server")


def failed(error: str, detail: str = "") -> dict:
    return {"ok": False, "content": False, "error": error, "detail": detail}


def build_in_worker(root: Path, now: datetime, jobs: int) -> dict:
    """Runs in the worker: a build, its outcome as plain data (exceptions don't travel well)."""
    from ..build import build
    from ..errors import ContentError, NarrowcastError

    try:
        report = build(root, now, None, jobs, keep_browser=True)
    except ContentError as exc:
        return {"ok": False, "content": True, "error": str(exc)}
    except NarrowcastError as exc:
        return failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure is reported, the server goes on
        return failed(unexpected(exc), traceback.format_exc())
    return {"ok": True, "versions": report.versions, "rendered": report.rendered, "cached": report.cached,
            "seconds": report.seconds}


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

    async def build(self, root: Path, now: datetime, jobs: int) -> dict:
        """The outcome of one build in the worker; never raises (but can be cancelled)."""
        try:
            try:
                future = self._worker().submit(build_in_worker, root, now, jobs)
            except BrokenProcessPool:  # the worker died while idle: a fresh one takes this build
                await asyncio.to_thread(self.close)
                future = self._worker().submit(build_in_worker, root, now, jobs)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            log.error("het bouwproces is gestopt tijdens een build; de volgende build start een nieuw")
            await asyncio.to_thread(self.close)
            return failed(WORKER_DIED)
        except Exception as exc:  # noqa: BLE001 - e.g. an outcome that cannot be unpickled
            return failed(unexpected(exc), traceback.format_exc())

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
