"""`narrowcast serve` survives every failing rebuild, says why, and leaves no process behind when it stops.

A rebuild can fail for reasons that are no content error: a bug, a missing file the checks do not
know about, a build worker killed by the kernel. The last good output then stays, `/healthz` (and
the dashboard) say why, the watcher goes on, and the next good save is published.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psutil
import pytest

from narrowcast.render.cache import CACHE_DIR
from narrowcast.serve import alerts
from narrowcast.serve.builder import BuildOutcome, build_in_worker
from narrowcast.serve.server import Server

from .conftest import run_in_own_loop, write_files
from .liveserver import ManualClock, live_server
from .serving import (SERVER_AT, NarrowcastServer, Process, descendants, free_port, server_health, wait_gone, wait_health,
                      wait_title, write_player_site)
from .test_build import browser

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)


def _retitle(root: Path, old: str, new: str) -> None:
    slides = root / "slides/dia.yaml"
    slides.write_text(slides.read_text(encoding="utf-8").replace(f"title: {old}", f"title: {new}", 1), encoding="utf-8")


def _build_worker(server_pid: int) -> psutil.Process:
    return next(p for p in descendants(server_pid) if "spawn_main" in " ".join(p.cmdline()))


# --- a real server process --------------------------------------------------------------------------

# `narrowcast serve` with a bug planted in the build: the spawned worker imports this script as
# __mp_main__ (multiprocessing's spawn does), so the bug is in the worker, where builds run. Unlike a
# broken content file, which the checks learn to name, it stays an unexpected failure.
BUGGY_SERVE = """\
import narrowcast.publish.build

_build = narrowcast.publish.build.build


def build(root, *args, **kwargs):
    if (root / "slides" / "bug.txt").exists():
        raise RuntimeError("een fout in narrowcast zelf")
    return _build(root, *args, **kwargs)


narrowcast.publish.build.build = build
if __name__ == "__main__":
    from narrowcast.commands.cli import main

    main()
"""


class BuggyServer(NarrowcastServer):
    def __init__(self, root: Path, port: int, log: Path, script: Path):
        script.write_text(BUGGY_SERVE, encoding="utf-8")
        self.root, self.port, self.base = root, port, f"http://127.0.0.1:{port}"
        Process.__init__(self, [sys.executable, str(script), "-C", str(root), "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--at", SERVER_AT], log)
        self.wait_ready()


@browser
def test_an_unexpected_build_failure_is_reported_and_the_next_save_is_still_published(tmp_path: Path):
    root = write_player_site(tmp_path / "inhoud")
    server = BuggyServer(root, free_port(), tmp_path / "serve.log", tmp_path / "serve_met_fout.py")
    try:
        before = server.manifest("hal")["version"]
        write_files(root, {"slides/bug.txt": "x"})
        health = wait_health(server.base, lambda h: h["last_error"])
        assert "RuntimeError: een fout in narrowcast zelf" in (health["last_error"] or ""), server.output()
        assert server.manifest("hal")["version"] == before, "the last good output stays"

        (root / "slides/bug.txt").unlink()
        _retitle(root, "Iets veranderd?", "Iets anders?")
        wait_title(server, "hal", "Iets anders?")
        assert wait_health(server.base, lambda h: h["last_error"] is None)["last_error"] is None

        everything = descendants(server.proc.pid)
        assert any("chromium" in p.name() for p in everything), "the worker keeps a browser"
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=60)
        assert wait_gone(everything) == [], "SIGTERM stops the build worker, its driver and Chromium"
    finally:
        server.stop(quiet=True)


@browser
def test_a_killed_build_worker_is_replaced_by_a_fresh_one(tmp_path: Path):
    root = write_player_site(tmp_path / "inhoud")
    server = NarrowcastServer(root, free_port(), tmp_path / "serve.log")
    try:
        # Killed while idle: the next save goes to a fresh worker and is published.
        first = _build_worker(server.proc.pid)
        first_family = [first] + first.children(recursive=True)
        first.kill()
        assert wait_gone(first_family) == [], "the killed worker's driver and Chromium end with it"
        time.sleep(1)  # the server notices the dead worker (a sentinel) well within this
        _retitle(root, "Iets veranderd?", "Na de eerste")
        wait_title(server, "hal", "Na de eerste")
        assert server_health(server.base)["last_error"] is None

        # Killed while it renders: that build fails and says so; the next save is published.
        cache = root / CACHE_DIR
        entries = len(list(cache.glob("*.json")))
        many = "".join(f"---\nid: extra-{i}\ntitle: Dia nummer {i}\ntext: Wij helpen u graag.\nicon: bel\n"
                       for i in range(40))
        playlist = root / "playlists/hal.yaml"
        write_files(root, {"slides/extra.yaml": many[4:],
                           "playlists/hal.yaml": playlist.read_text(encoding="utf-8")
                           + "".join(f"  - slide: extra-{i}\n" for i in range(40))})
        deadline = time.monotonic() + 60
        while len(list(cache.glob("*.json"))) < entries + 2:
            assert time.monotonic() < deadline, "the build never started rendering\n" + server.output()
            time.sleep(0.02)
        _build_worker(server.proc.pid).kill()
        health = wait_health(server.base, lambda h: h["last_error"])
        assert "bouwproces" in (health["last_error"] or ""), server.output()

        _retitle(root, "Vragen over geld?", "Na de tweede")
        wait_title(server, "hal", "Na de tweede")
        assert wait_health(server.base, lambda h: h["last_error"] is None)["last_error"] is None

        everything = first_family + descendants(server.proc.pid)
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=60)
        assert wait_gone(everything) == []
    finally:
        server.stop(quiet=True)


@browser
def test_a_server_killed_outright_leaves_no_build_worker_behind(tmp_path: Path):
    root = write_player_site(tmp_path / "inhoud")
    server = NarrowcastServer(root, free_port(), tmp_path / "serve.log")
    try:
        everything = descendants(server.proc.pid)
        assert any("chromium" in p.name() for p in everything)
        server.proc.kill()  # no shutdown at all: the worker must notice by itself
        server.proc.wait(timeout=10)
        assert wait_gone(everything) == []
    finally:
        server.stop(quiet=True)


# --- the server in this process ------------------------------------------------------------------------

@browser
def test_the_in_process_stop_ends_the_worker_even_after_a_failed_step(monkeypatch, tmp_path: Path):
    from narrowcast.serve import scheduler

    def broken(*_args):
        raise ValueError("kapot bij het plannen")

    root = write_player_site(tmp_path / "inhoud")
    mine = {p.pid for p in descendants(os.getpid())}
    with live_server(root, ManualClock(NOW), free_port()) as (base, server):
        monkeypatch.setattr(scheduler, "planned_moments", broken)  # fails after every build from now on
        for old, new in (("Iets veranderd?", "Iets anders?"), ("Iets anders?", "Iets nieuws?")):
            _retitle(root, old, new)
            deadline = time.monotonic() + 60
            while not any(i["title"] == new for i in httpx.get(base + "/screens/hal/manifest.json").json()["items"]):
                assert time.monotonic() < deadline, f"'{new}' was never published"
                time.sleep(0.1)
        started = [p for p in descendants(os.getpid()) if p.pid not in mine
                   and "resource_tracker" not in " ".join(p.cmdline())]  # the tracker lives as long as pytest
        assert any("spawn_main" in " ".join(p.cmdline()) for p in started)
    assert wait_gone(started) == []


class FailingBuilder:
    """A build worker that fails as a bug would, then builds."""

    def __init__(self, failures: int):
        self.failures, self.calls = failures, 0

    async def build(self, root, now, jobs, options=None):
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("kapot in de worker")
        return BuildOutcome(ok=True, versions={"hal": f"v{self.calls}"}, rendered=1, cached=0, seconds=0.1)

    def close(self):
        pass


def test_a_rebuild_that_raises_keeps_the_last_version_and_says_why(tmp_path: Path, caplog):
    server = Server(write_player_site(tmp_path / "inhoud"), ManualClock(NOW), builder=FailingBuilder(1))
    with caplog.at_level(logging.ERROR, "narrowcast.serve"):
        assert run_in_own_loop(server.rebuild("test")) is False
    assert "RuntimeError: kapot in de worker" in server.state.last_error
    assert "mislukt" in caplog.text
    assert run_in_own_loop(server.rebuild("test")) is True and server.state.last_error is None
    assert server.versions == {"hal": "v2"}
    server.records.close()


def test_a_failing_after_build_step_does_not_undo_a_published_build(tmp_path: Path, caplog):
    server = Server(write_player_site(tmp_path / "inhoud"), ManualClock(NOW), builder=FailingBuilder(0))
    later = []
    server.after_build += [lambda: 1 / 0, lambda: later.append(True)]
    with caplog.at_level(logging.ERROR, "narrowcast.serve"):
        assert run_in_own_loop(server.rebuild("test")) is True
    assert later == [True] and server.state.builds == 1 and "ZeroDivisionError" in caplog.text
    server.records.close()


def test_the_watcher_goes_on_after_a_rebuild_that_raises(tmp_path: Path):
    root = write_player_site(tmp_path / "inhoud")
    builder = FailingBuilder(1)
    server = Server(root, ManualClock(NOW), builder=builder, debounce_ms=50, step_ms=10)

    async def scenario():
        watcher = asyncio.create_task(server.watch())
        await asyncio.sleep(0.5)  # awatch has started
        for title in ("Eerste keer", "Tweede keer"):
            calls = builder.calls
            _retitle(root, "Iets veranderd?" if calls == 0 else "Eerste keer", title)
            for _ in range(300):
                if builder.calls > calls or watcher.done():
                    break
                await asyncio.sleep(0.05)
        assert not watcher.done(), watcher
        watcher.cancel()

    run_in_own_loop(scenario())
    assert builder.calls == 2 and server.state.builds == 1 and server.state.last_error is None
    server.records.close()


def test_an_exception_inside_the_worker_comes_back_as_a_failed_outcome(monkeypatch, tmp_path: Path):
    import narrowcast.publish.build

    def deep(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(narrowcast.publish.build, "build", deep)
    outcome = build_in_worker(tmp_path, NOW, 1)
    assert outcome.ok is False and outcome.content is False
    assert "RecursionError" in outcome.error


# --- the other background duties --------------------------------------------------------------------

def test_the_scheduler_keeps_the_new_day_when_the_content_cannot_be_planned(monkeypatch, tmp_path: Path):
    from narrowcast.serve import scheduler

    def broken(*_args):
        raise ValueError("urgent.json is afgebroken")

    monkeypatch.setattr(scheduler, "planned_moments", broken)
    server = Server(write_player_site(tmp_path / "inhoud"), ManualClock(NOW), builder=FailingBuilder(0))

    async def scenario():
        content = scheduler.ContentScheduler(server.clock, server.rebuild, lambda: server.site, server.root)
        content.start()  # refreshes: must not raise
        try:
            return content.jobs()
        finally:
            content.shutdown()

    assert [reason for reason, _ in run_in_own_loop(scenario())] == ["nieuwe dag"]
    server.records.close()


def test_the_health_duty_goes_on_after_a_round_that_fails(monkeypatch, tmp_path: Path):
    server = Server(write_player_site(tmp_path / "inhoud"), ManualClock(NOW), builder=FailingBuilder(0))
    rounds = []

    def prune(_now):
        raise OSError("database is locked")

    def alert_round(_server, _webhook, known):
        rounds.append(1)
        raise ValueError("kapot")

    monkeypatch.setattr(server.records, "prune", prune)
    monkeypatch.setattr(alerts, "alert_round", alert_round)
    monkeypatch.setattr(alerts, "CHECK_SECONDS", 0)

    async def scenario():
        duty = asyncio.create_task(alerts.watch_health(server, lambda: "http://127.0.0.1:9/hook"))
        for _ in range(500):
            if len(rounds) >= 3 or duty.done():
                break
            await asyncio.sleep(0.01)
        assert not duty.done(), duty
        duty.cancel()

    run_in_own_loop(scenario())
    assert len(rounds) >= 3
    server.records.close()


@pytest.mark.parametrize("text", ["{\"schema\": 1, \"screens\": [", "[]", "{\"screens\": [{\"id\": 1}]}"])
def test_a_damaged_index_does_not_stop_the_server_from_starting(tmp_path: Path, text: str):
    root = write_player_site(tmp_path / "inhoud")
    write_files(root, {"output/index.json": text})
    server = Server(root, ManualClock(NOW), builder=FailingBuilder(0))
    assert server.versions == {}
    server.records.close()
