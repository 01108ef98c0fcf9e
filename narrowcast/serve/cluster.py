"""Several `serve` instances on one content folder and one PostgreSQL database.

Exactly one instance is the *builder* at a time: it holds a PostgreSQL advisory lock on a
connection of its own, builds output/ and runs the scheduler. When it dies, PostgreSQL ends its
session, the lock is free, and another instance takes it within LEASE_RETRY seconds and rebuilds
at once (a moment missed meanwhile is caught up: the build is of the clock's now).

The others never build output/: a rebuild they want (a save they saw, a step staff took through
them) is a row in `build_requests`, announced on the channel; the builder claims it, builds and
writes the outcome back. A request left waiting when a builder dies is taken by the next one.

After every good build the builder sends `published` on the channel (LISTEN/NOTIFY); each instance
then reads output/index.json and tells the screens connected to it over SSE, so a screen on any
instance hears of a publication within a round trip of PostgreSQL. A message is only a nudge: an
instance that missed one (its listening connection broke) reads index.json when it listens again.
At this scale (tens of instances, a few messages a minute) PostgreSQL is enough; see docs/deploy.md
for where NATS or Redis would take over.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import uuid
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy.engine import make_url

from ..errors import Finding
from .builder import BuildOutcome, failed

if TYPE_CHECKING:
    from ..publish.build import BuildOptions
    from .server import Server

log = logging.getLogger("narrowcast.cluster")
CHANNEL = "narrowcast"
BUILDER_LOCK = 7_401_617  # the advisory lock number the builder holds
LEASE_RETRY = 1.0  # seconds between a waiting instance's tries for the lock
LEASE_CHECK = 2.0  # seconds between the builder's checks that its lock connection lives
REQUEST_POLL = 2.0  # a waiting request is looked at this often too, should a message be lost
REQUEST_TIMEOUT = 600.0


def libpq_url(url: str) -> str:
    """SQLAlchemy's `postgresql+psycopg://…` as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Cluster:
    """One instance's part: the lease, the channel, and the requests it makes or serves."""

    def __init__(self, server: "Server", url: str, on_lead: Callable[[], Any], on_follow: Callable[[], Any]):
        self.server, self.url = server, libpq_url(url)
        self.on_lead, self.on_follow = on_lead, on_follow
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self.leader = False
        self.waiting: dict[str, asyncio.Future] = {}
        self.tasks: list[asyncio.Task] = []
        self._send: Any = None  # the connection messages go out on
        self._serving = asyncio.Lock()

    @property
    def role(self) -> str:
        return "bouwer" if self.leader else "volger"

    # --- running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        import psycopg

        self._send = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        self.tasks = [asyncio.create_task(self._lease(), name="cluster-lease"),
                      asyncio.create_task(self._listen(), name="cluster-listen"),
                      asyncio.create_task(self._poll_requests(), name="cluster-requests")]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._send is not None:
            await self._send.close()

    async def _lease(self) -> None:
        """Try for the builder's lock until it is ours; then keep checking the connection holding it."""
        import psycopg

        while True:
            connection = None
            try:
                connection = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                while True:
                    if not self.leader:
                        got = await (await connection.execute("SELECT pg_try_advisory_lock(%s)", (BUILDER_LOCK,))).fetchone()
                        if got and got[0]:
                            await self._become_leader()
                            continue
                        await asyncio.sleep(LEASE_RETRY)
                    else:
                        await asyncio.sleep(LEASE_CHECK)
                        await connection.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database went away: no lock, no building
                log.warning("verbinding met PostgreSQL voor de bouwer verloren (%s); opnieuw proberen", _short(exc))
                await self._become_follower()
                await asyncio.sleep(LEASE_RETRY)
            finally:
                if connection is not None:
                    await connection.close()  # ends the session: the lock goes with it

    async def _become_leader(self) -> None:
        self.leader = True
        log.info("deze server (%s) is nu de bouwer", self.instance)
        result = self.on_lead()
        if asyncio.iscoroutine(result):
            await result
        await self._serve_waiting()  # requests left by a builder that died

    async def _become_follower(self) -> None:
        if self.leader:
            self.leader = False
            log.warning("deze server (%s) is niet langer de bouwer", self.instance)
            result = self.on_follow()
            if asyncio.iscoroutine(result):
                await result

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    await self.server.adopt_published()  # what was published while we did not listen
                    async for message in connection.notifies():
                        await self._heard(message.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect; what was missed is read from index.json
                log.warning("luisteren naar PostgreSQL onderbroken (%s); opnieuw over %.0f s", _short(exc), LEASE_RETRY)
                await asyncio.sleep(LEASE_RETRY)

    async def _heard(self, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        kind = message.get("kind")
        if kind == "published" and message.get("from") != self.instance:
            await self.server.adopt_published(message.get("snapshot"))
        elif kind == "build" and self.leader:
            await self._serve_waiting()
        elif kind == "built":
            future = self.waiting.get(message.get("id", ""))
            if future is not None and not future.done():
                future.set_result(None)

    async def _poll_requests(self) -> None:
        """Should a message be lost: the builder looks for waiting requests now and then."""
        while True:
            await asyncio.sleep(REQUEST_POLL)
            if self.leader:
                try:
                    await self._serve_waiting()
                except Exception as exc:  # noqa: BLE001 - next round
                    log.warning("bouwverzoeken lezen mislukt (%s)", _short(exc))
            for ident, future in list(self.waiting.items()):
                if not future.done() and await self._outcome_row(ident) is not None:
                    future.set_result(None)

    # --- telling -----------------------------------------------------------------------------------

    async def notify(self, message: dict) -> None:
        await self._send.execute("SELECT pg_notify(%s, %s)", (CHANNEL, json.dumps(message)))

    def announce(self, snapshot: str | None) -> None:
        """After a good build of ours: every instance reads the new versions (called in the event loop)."""
        if self.leader:
            task = asyncio.get_running_loop().create_task(
                self.notify({"kind": "published", "from": self.instance, "snapshot": snapshot}))
            task.add_done_callback(_logged)

    # --- building for others ---------------------------------------------------------------------------

    async def build_elsewhere(self, reason: str, options: "BuildOptions | None", now: datetime) -> BuildOutcome:
        """Ask the builder to build; its outcome (without site and plans: read index.json for those)."""
        ident = uuid.uuid4().hex
        future = self.waiting[ident] = asyncio.get_running_loop().create_future()
        try:
            await self._send.execute(
                "INSERT INTO build_requests (id, reason, options, at, instance, state) VALUES (%s, %s, %s, %s, %s, 'waiting')",
                (ident, reason, json.dumps(options_json(options)), now.isoformat(), self.instance))
            await self.notify({"kind": "build", "id": ident})
            await asyncio.wait_for(future, REQUEST_TIMEOUT)
            row = await self._outcome_row(ident)
        except asyncio.TimeoutError:
            return failed(f"de bouwer heeft het verzoek niet binnen {REQUEST_TIMEOUT:.0f} s uitgevoerd; kijk op /healthz "
                          "van de andere servers")
        except Exception as exc:  # noqa: BLE001 - PostgreSQL gone: say so, as any failed build
            return failed(f"de bouwer is niet bereikbaar via PostgreSQL ({_short(exc)})")
        finally:
            self.waiting.pop(ident, None)
        outcome = outcome_from_json(row) if row else failed("het bouwverzoek is verdwenen")
        if outcome.ok and (options is None or options.out is None):
            await self.server.adopt_published(outcome.snapshot)
        return outcome

    async def _outcome_row(self, ident: str) -> dict | None:
        row = await (await self._send.execute("SELECT outcome FROM build_requests WHERE id = %s AND state = 'done'",
                                              (ident,))).fetchone()
        return json.loads(row[0]) if row else None

    async def _serve_waiting(self) -> None:
        """The builder: every waiting request, oldest first, one at a time."""
        async with self._serving:
            while self.leader:
                row = await (await self._send.execute(
                    "UPDATE build_requests SET state = 'building' WHERE id = (SELECT id FROM build_requests "
                    "WHERE state IN ('waiting', 'building') ORDER BY at LIMIT 1 FOR UPDATE SKIP LOCKED) "
                    "RETURNING id, reason, options, at")).fetchone()
                if row is None:
                    return
                ident, reason, options, at = row
                outcome = await self.server.publish(f"{reason}, via een andere server", options_from_json(json.loads(options)),
                                                    datetime.fromisoformat(at))
                await self._send.execute("UPDATE build_requests SET state = 'done', outcome = %s WHERE id = %s",
                                         (json.dumps(outcome_json(outcome)), ident))
                await self._send.execute("DELETE FROM build_requests WHERE state = 'done' AND created < now() - interval '1 hour'")
                await self.notify({"kind": "built", "id": ident})


# --- what crosses between instances ------------------------------------------------------------------

def options_json(options: "BuildOptions | None") -> dict | None:
    if options is None:
        return None
    return {"out": str(options.out) if options.out else None, "force": options.force, "cache": options.cache,
            "source": str(options.source) if options.source else None, "user": options.user,
            "earlier": {version: base64.b64encode(data).decode() for version, data in options.earlier.items()}}


def options_from_json(data: dict | None) -> "BuildOptions | None":
    from ..publish.build import BuildOptions

    if data is None:
        return None
    return BuildOptions(out=Path(data["out"]) if data.get("out") else None, force=data.get("force"),
                        cache=data.get("cache", True), source=Path(data["source"]) if data.get("source") else None,
                        user=data.get("user"),
                        earlier={v: base64.b64decode(b) for v, b in (data.get("earlier") or {}).items()})


def outcome_json(outcome: BuildOutcome) -> dict:
    return {"ok": outcome.ok, "versions": outcome.versions, "rendered": outcome.rendered, "cached": outcome.cached,
            "seconds": outcome.seconds, "error": outcome.error, "findings": [asdict(f) for f in outcome.findings],
            "detail": outcome.detail, "out": str(outcome.out) if outcome.out else None, "snapshot": outcome.snapshot}


def outcome_from_json(data: dict) -> BuildOutcome:
    return BuildOutcome(ok=data["ok"], versions=data.get("versions") or {}, rendered=data.get("rendered", 0),
                        cached=data.get("cached", 0), seconds=data.get("seconds", 0.0), error=data.get("error", ""),
                        findings=tuple(Finding(**f) for f in data.get("findings") or ()), detail=data.get("detail", ""),
                        out=Path(data["out"]) if data.get("out") else None, snapshot=data.get("snapshot"))


def _short(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _logged(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("bericht aan de andere servers niet verstuurd (%s)", _short(task.exception()))


