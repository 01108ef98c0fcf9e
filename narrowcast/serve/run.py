"""Start the server: first build, watcher, scheduler and HTTP in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .app import create_app
from .server import Clock, Server


class DateHeader:
    """Every response carries the server clock's Date: screens correct their clocks by it."""

    def __init__(self, app, server: Server):
        self.app, self.server = app, server

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_date(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", self.server.http_date().encode()))
                message["headers"] = headers
            await send(message)

        return await self.app(scope, receive, send_with_date)


def asgi_app(server: Server):
    app = create_app(server)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        from ..scheduler import ContentScheduler

        from .alerts import watch_health

        await server.rebuild("start")  # after downtime: catch up at once
        tasks = [asyncio.create_task(server.watch()), asyncio.create_task(watch_health(server, server.alerts_webhook()))]
        scheduler = ContentScheduler(server)
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            server.records.close()

    app.router.lifespan_context = lifespan
    return DateHeader(app, server)


def run(root, host: str, port: int, clock: Clock, jobs: int, on_ready=None) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    server = Server(root, clock, jobs=jobs)
    config = uvicorn.Config(asgi_app(server), host=host, port=port, log_level="warning", date_header=False,
                            timeout_graceful_shutdown=2)
    uvicorn.Server(config).run()
