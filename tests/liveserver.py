"""The real server in this process, on 127.0.0.1, with a clock the test moves by hand."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from narrowcast.serve.run import uvicorn_server
from narrowcast.serve.server import Server


class ManualClock:
    """now() returns what the test set; advance() moves it."""

    def __init__(self, start: datetime):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@contextmanager
def live_server(root: Path, clock, port: int):
    """Start the full app (first build, watcher, scheduler) in a thread; stop it afterwards."""
    ready = threading.Event()
    holder: dict = {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server = Server(root, clock)
        holder["server"] = server
        holder["uvicorn"] = uvicorn_server(server, "127.0.0.1", port)
        ready.set()
        loop.run_until_complete(holder["uvicorn"].serve())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).json()["builds"] >= 1:
                break
        except (httpx.HTTPError, ValueError):
            pass
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    try:
        yield base, holder["server"]
    finally:
        holder["uvicorn"].stop()
        thread.join(15)


PASSWORD = "een lang wachtwoord"


def staff(base: str, root: Path, now: datetime, name: str = "anne", role: str = "eindredacteur") -> httpx.Client:
    """A user made in the folder's state, logged in over HTTP: a client with the session cookie."""
    from narrowcast.state.records import Records

    records = Records(root)
    try:
        records.set_user(name, PASSWORD, now, role)
    finally:
        records.close()
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=60)
    assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 303
    return client


def approve_as_is(root: Path, now: datetime, who: str = "bert") -> str:
    """The working copy as the approved, live state (review mode), written straight into the log as a
    publication record; tests of the real propose/approve flow are in test_publishing*.py. Its snapshot id."""
    from narrowcast.state.history import append
    from narrowcast.state.snapshots import save_snapshot

    snapshot = save_snapshot(root)
    append(root, "publicatie", now, {"goedgekeurd": who}, snapshot=snapshot.id)
    return snapshot.id
