"""Start the server: first build, watcher, scheduler and HTTP in one event loop; or the preview alone."""

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


def with_preview(server: Server) -> Server:
    """The preview `serve` offers staff: the same folder, clock and build worker; built from its first visit."""
    if server.preview_server is None:
        server.preview_server = Server(server.root, server.clock, jobs=server.jobs, builder=server.builder,
                                       preview=True, lazy=True)
    return server.preview_server


def remove_previews(root, own: bool) -> None:
    """The previews' and the studio drafts' folders of processes that are gone (with `own`, ours)."""
    from ..folder import STATE_DIR, remove_gone
    from ..publish.preview import remove_previews as remove
    from .studio.drafts import STUDIO_DIR

    remove(root, own)
    remove_gone(root / STATE_DIR / STUDIO_DIR, own)


def asgi_app(server: Server):
    preview = with_preview(server)
    app = create_app(server)

    async def rebuild_on_schedule(reason: str) -> bool:  # a new day, a law's moment: the preview moves along
        ok = await server.rebuild(reason)
        if preview.awake:
            await preview.rebuild(reason)
        return ok

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        from .alerts import watch_health
        from .scheduler import ContentScheduler

        tasks: list[asyncio.Task] = []
        scheduler = ContentScheduler(server.clock, rebuild_on_schedule, lambda: server.site, server.root)
        try:  # whatever happens from here on, the build worker and its browser are stopped at the end
            if server.records.postgresql:  # perhaps one of several: the builder builds and runs the scheduler
                from .cluster import Cluster

                async def lead() -> None:
                    await server.rebuild("start als bouwer")  # after downtime or a builder's death: catch up at once
                    scheduler.resume()

                server.cluster = Cluster(server, server.records.url, lead, scheduler.pause)
                scheduler.start(paused=True)
                await server.cluster.start()
            else:
                await server.rebuild("start")  # after downtime: catch up at once
                scheduler.start()
            tasks += [asyncio.create_task(server.watch(), name="watcher"),
                      asyncio.create_task(watch_health(server, server.alerts_webhook), name="health")]
            for task in tasks:
                task.add_done_callback(_report_end)
            server.after_build.append(scheduler.refresh)  # new moments from every good build
            yield
        finally:
            try:
                scheduler.shutdown()
                if server.cluster is not None:
                    await server.cluster.stop()
                await _stop(tasks + preview.background)  # an end was reported by _report_end
                server.records.close()
            finally:
                await asyncio.to_thread(server.builder.close)
                remove_previews(server.root, own=True)

    app.router.lifespan_context = lifespan
    return DateHeader(app, server)


async def _stop(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def preview_asgi_app(server: Server):
    """`narrowcast preview`: only the preview, on a port of its own, without login (it binds 127.0.0.1
    unless told otherwise). The Date header carries the preview's moment: its players play that moment."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route

    from .preview import PREFIX, preview_routes

    async def home(request: Request) -> Response:
        return RedirectResponse(PREFIX + "/", status_code=302)

    async def healthz(request: Request) -> Response:
        return JSONResponse(server.health(), headers={"Cache-Control": "no-cache"})

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        tasks: list[asyncio.Task] = []
        try:
            await server.rebuild("start")
            tasks.append(asyncio.create_task(server.watch(), name="watcher"))
            tasks[-1].add_done_callback(_report_end)
            yield
        finally:
            try:
                await _stop(tasks + server.background)
            finally:
                await asyncio.to_thread(server.builder.close)
                remove_previews(server.root, own=True)

    app = Starlette(routes=[Route("/", home), Route("/healthz", healthz), Mount(PREFIX, routes=preview_routes(server))],
                    lifespan=lifespan)
    return DateHeader(app, server)


def uvicorn_server(server: Server, host: str, port: int):
    """Uvicorn for our app (the preview's alone for a preview server); on stop it first ends the push
    streams, which would otherwise hold it up."""
    import uvicorn

    app = preview_asgi_app(server) if server.preview else asgi_app(server)
    brokers = [s.broker for s in (server, server.preview_server) if s is not None]

    def close_streams() -> None:
        for broker in brokers:
            broker.close()

    class _Uvicorn(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().call_soon(close_streams)
            super().handle_exit(sig, frame)

        def stop(self) -> None:
            """Stop from another thread (tests)."""
            loop = getattr(self, "loop", None)
            if loop is not None:
                loop.call_soon_threadsafe(close_streams)
            self.should_exit = True

        async def serve(self, sockets=None):
            self.loop = asyncio.get_running_loop()
            await super().serve(sockets)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", date_header=False,
                            timeout_graceful_shutdown=2)
    return _Uvicorn(config)


def run(root, host: str, port: int, clock: Clock, jobs: int, preview: bool = False) -> None:
    """`narrowcast serve`, or with `preview` `narrowcast preview`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    uvicorn_server(Server(root, clock, jobs=jobs, preview=preview), host, port).run()
