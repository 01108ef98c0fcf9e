"""Start the server: first build, watcher, scheduler and HTTP in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .app import create_app
from .server import Clock, Server

log = logging.getLogger("narrowcast.serve")


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


def _report_end(task: asyncio.Task) -> None:
    """A background duty that ended by itself is a fault: never silent."""
    if not task.cancelled() and task.exception() is not None:
        log.error("taak %s is gestopt", task.get_name(), exc_info=task.exception())


def asgi_app(server: Server):
    app = create_app(server)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        from .alerts import watch_health
        from .scheduler import ContentScheduler

        tasks: list[asyncio.Task] = []
        scheduler = ContentScheduler(server.clock, server.rebuild, lambda: server.site, server.root)
        try:  # whatever happens from here on, the build worker and its browser are stopped at the end
            await server.rebuild("start")  # after downtime: catch up at once
            tasks += [asyncio.create_task(server.watch(), name="watcher"),
                      asyncio.create_task(watch_health(server, server.alerts_webhook), name="health")]
            for task in tasks:
                task.add_done_callback(_report_end)
            scheduler.start()
            server.after_build.append(scheduler.refresh)  # new moments from every good build
            yield
        finally:
            try:
                scheduler.shutdown()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)  # an end was reported by _report_end
                server.records.close()
            finally:
                await asyncio.to_thread(server.builder.close)

    app.router.lifespan_context = lifespan
    return DateHeader(app, server)


def uvicorn_server(server: Server, host: str, port: int):
    """Uvicorn for our app; on stop it first ends the push streams, which would otherwise hold it up."""
    import uvicorn

    class _Uvicorn(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().call_soon(server.broker.close)
            super().handle_exit(sig, frame)

        def stop(self) -> None:
            """Stop from another thread (tests)."""
            loop = getattr(self, "loop", None)
            if loop is not None:
                loop.call_soon_threadsafe(server.broker.close)
            self.should_exit = True

        async def serve(self, sockets=None):
            self.loop = asyncio.get_running_loop()
            await super().serve(sockets)

    config = uvicorn.Config(asgi_app(server), host=host, port=port, log_level="warning", date_header=False,
                            timeout_graceful_shutdown=2)
    return _Uvicorn(config)


def run(root, host: str, port: int, clock: Clock, jobs: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    uvicorn_server(Server(root, clock, jobs=jobs), host, port).run()
