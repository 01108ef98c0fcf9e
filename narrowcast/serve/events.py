"""Server-sent events: tell connected screens at once that their manifest has a new version."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

KEEPALIVE_SECONDS = 15.0
QUEUE_SIZE = 8  # a screen only needs the newest version; a slow reader loses old ones, not memory


class Broker:
    """Per-screen subscriber queues; publishing never blocks on a slow or dead connection."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self.closed = False

    def subscribe(self, screen: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        if self.closed:
            queue.put_nowait(None)
        self._subscribers[screen].add(queue)
        return queue

    def close(self) -> None:
        """End every stream, so a stopping server need not wait for screens to hang up."""
        self.closed = True
        for queues in list(self._subscribers.values()):
            for queue in list(queues):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(None)

    def unsubscribe(self, screen: str, queue: asyncio.Queue) -> None:
        self._subscribers[screen].discard(queue)
        if not self._subscribers[screen]:
            del self._subscribers[screen]

    def publish(self, screen: str, version: str) -> int:
        """Announce a version to every subscriber of a screen; returns how many were told."""
        told = 0
        for queue in list(self._subscribers.get(screen, ())):
            if queue.full():
                queue.get_nowait()  # drop the oldest: only the newest version matters
            queue.put_nowait(version)
            told += 1
        return told

    def count(self, screen: str | None = None) -> int:
        if screen is not None:
            return len(self._subscribers.get(screen, ()))
        return sum(len(s) for s in self._subscribers.values())


def sse_message(version: str) -> bytes:
    """One event; its id is the version, so a reconnecting EventSource says what it last heard."""
    return f"id: {version}\nevent: version\ndata: {json.dumps({'version': version})}\n\n".encode()


async def event_stream(broker: Broker, screen: str, current: str | None, disconnected, last_event_id: str | None = None):
    """The SSE body for one screen: the current version first (unless `last_event_id`, the
    `Last-Event-ID` of a reconnecting screen, says it has it already), then every new one, with keep-alives."""
    queue = broker.subscribe(screen)
    try:
        yield b"retry: 3000\n\n"
        if current and current != (last_event_id or "").strip():
            yield sse_message(current)
        while True:
            try:
                version = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                if version is None:  # the server is stopping
                    return
                yield sse_message(version)
            except asyncio.TimeoutError:
                if await disconnected():
                    return
                yield b": keep-alive\n\n"
    finally:
        broker.unsubscribe(screen, queue)
