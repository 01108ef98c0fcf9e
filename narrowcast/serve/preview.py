"""The preview over HTTP: the working copy's slides, contact sheets and players, with live reload.

`narrowcast preview` serves it on its own port; `serve` offers the same under /preview/ to staff
who are logged in, apart from what screens get. A preview Server (`Server(preview=True)`) builds
the working copy (publish/preview.py) in the build worker it shares with the live server. Its
output is served as screens get theirs (the player's URLs are relative), with its own clock, its
own versions and push, and no route for reports: the preview player's heartbeats find nothing.

Under /preview:
    /                       every slide in every look, with its findings
    /afspeellijst/{id}      a contact sheet per playlist: its loops in play order
    /player/?screen=ID      any screen's player, at the preview's moment
    /wijzigingen            push for the pages: a new version after every build, and they reload
"""

from __future__ import annotations

import hashlib
import json
import traceback
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ..publish.preview import DATA_FILE
from .auth import login_needed, needs_login
from .builder import BuildOutcome, Builder, failed, unexpected
from .dashboard import failure_data
from .events import event_stream

if TYPE_CHECKING:
    from .server import Server

PAGES = "voorbeeld:paginas"  # the broker's channel for the pages (no screen id has a colon)
PREFIX = "/preview"
PAGE_POLICY = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'self'; "
               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
RELOAD_JS = """\
// narrowcast preview: reload this page when the working copy was built again (a save).
(function () {
  'use strict';
  var root = document.documentElement;
  var source = new EventSource(root.dataset.events);
  source.addEventListener('version', function (event) {
    if (JSON.parse(event.data).version !== root.dataset.version) location.reload();
  });
})();
"""
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)


# --- building, in the shared worker ------------------------------------------------------------------

def preview_in_worker(root: Path, now: datetime, jobs: int, out: Path) -> BuildOutcome:
    """Runs in the build worker, with its browser: the preview build, its outcome as plain data."""
    from ..errors import ContentError, NarrowcastError
    from ..publish.preview import build_preview
    from .builder import retire_renderer, worker_renderer

    renderer = worker_renderer(jobs)
    try:
        report = build_preview(root, now, renderer, out)
    except ContentError as exc:  # the working copy cannot be loaded: the last preview stays
        return BuildOutcome(ok=False, error=str(exc), findings=tuple(f for f in exc.findings if f.is_error))
    except NarrowcastError as exc:
        retire_renderer()
        return failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - as the live build: reported, the server goes on
        retire_renderer()
        return failed(unexpected(exc), traceback.format_exc())
    return BuildOutcome(ok=True, versions=report.versions, rendered=report.rendered, cached=report.cached,
                        seconds=report.seconds, site=report.site, plans=tuple(report.plans), out=report.out)


async def build_preview_in(builder: Builder, root: Path, now: datetime, jobs: int, out: Path) -> BuildOutcome:
    """The preview build in `builder`'s worker (one process, one Chromium for live and preview builds);
    never raises."""
    return await builder.call(failed, preview_in_worker, root, now, jobs, out)


def announce_pages(server: "Server") -> None:
    """After every build, good or not: the pages' new version, which makes open pages reload."""
    digest = hashlib.sha256()
    try:
        digest.update((server.output / DATA_FILE).read_bytes())
    except OSError:
        pass  # nothing built yet
    if server.state.failure is not None:
        digest.update(server.state.failure.error.encode())
    server.pages = digest.hexdigest()[:16]
    server.broker.publish(PAGES, server.pages)


# --- pages -----------------------------------------------------------------------------------------

def page_data(server: "Server") -> dict | None:
    """What the last good preview build wrote; None before the first one."""
    path = server.output / DATA_FILE
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read_data(str(path.resolve()), stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_data(path: str, _mtime_ns: int) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def render_page(server: "Server", template: str, up: str, reload: bool, **extra) -> str:
    """A preview page: `up` leads from the page's folder back to /preview/."""
    data = page_data(server)
    return _TEMPLATES.get_template(template).render(
        data=data, up=up, reload=reload, version=server.pages, failure=failure_data(server.state.failure),
        building=data is None and server.state.failure is None, **extra)


def _page_response(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                           "Content-Security-Policy": PAGE_POLICY})


def preview_routes(server: "Server", staff: "Server | None" = None) -> list[BaseRoute]:
    """The routes under /preview/ for a preview Server; with `staff` (the live server), only for
    someone logged in there."""
    from .app import _output_routes

    async def overview(request: Request) -> Response:
        reload = request.query_params.get("verversen") != "uit"
        return _page_response(render_page(server, "preview.html", "", reload))

    async def playlist(request: Request) -> Response:
        data, ident = page_data(server), request.path_params["playlist"]
        found = next((p for p in (data or {}).get("playlists", []) if p["id"] == ident), None)
        if data is not None and found is None:
            return _page_response(render_page(server, "preview_missing.html", "../", False, name=ident), 404)
        reload = request.query_params.get("verversen") != "uit"
        return _page_response(render_page(server, "preview_playlist.html", "../", reload, playlist=found))

    async def pages_events(request: Request) -> Response:
        from starlette.responses import StreamingResponse

        stream = event_stream(server.broker, PAGES, server.pages or None, request.is_disconnected,
                              request.headers.get("last-event-id"))
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def script(request: Request) -> Response:
        return Response(RELOAD_JS, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    async def player_root(request: Request) -> Response:  # the output's own redirect would lead to the live player
        return RedirectResponse(str(request.url.path) + "/" + (f"?{request.url.query}" if request.url.query else ""), 301)

    pages = [Route("/", overview), Route("/afspeellijst/{playlist}", playlist)]
    rest = [Route("/wijzigingen", pages_events), Route("/voorbeeld.js", script), Route("/player", player_root),
            *_output_routes(server)]
    return [*(_guarded(route, server, staff, page=True) for route in pages),
            *(_guarded(route, server, staff, page=False) for route in rest)]


def _guarded(route: Route, server: "Server", staff: "Server | None", page: bool) -> Route:
    """The route, waking a lazy preview; with `staff`, for logged-in staff only (a page says how to log in)."""
    endpoint = route.endpoint

    async def woken(request: Request) -> Response:
        server.wake()
        return await endpoint(request)

    if staff is None:
        return Route(route.path, woken, methods=route.methods)
    refused = _login_page if page else login_needed
    guard = needs_login(staff, refused)
    return Route(route.path, guard(lambda request, _user: woken(request)), methods=route.methods)


def _login_page() -> Response:
    html = _TEMPLATES.get_template("login.html").render(message="Log in om het voorbeeld te zien.")
    return HTMLResponse(html, status_code=401, headers={"Cache-Control": "no-store"})


def mount(server: "Server") -> list[BaseRoute]:
    """`serve`: the preview of the working copy under /preview/, behind the login; nothing without one."""
    if server.preview_server is None:
        return []
    return [Mount(PREFIX, routes=preview_routes(server.preview_server, staff=server))]
