"""The HTTP side of `narrowcast serve`: manifests, media, the player, push, health.

Everything screens need is a file in the published output; this app adds the right cache
headers, strong ETags with 304s, and server-sent events. The same output works from any static
web server, where screens poll instead of listening.
"""

from __future__ import annotations

import hashlib
import logging
import re
from email.utils import formatdate
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..publish.manifest import manifest_version
from ..render.html import SLIDE_CSP
from ..errors import NarrowcastError
from .dashboard import routes as dashboard_routes
from .publishing import routes as publishing_routes
from .preview import mount as preview_mount
from .studio import routes as studio_routes
from .studio.pages import BODY_LIMITS
from .events import event_stream
from .guard import BodyLimit, SameOriginGuard
from .health import (MAX_HEARTBEAT_BYTES, MAX_PLAYS_BYTES, BadBody, ScreenGate, heartbeat_limit, parse_heartbeat,
                     parse_plays, plays_limit, read_json)
from .settings import ServeSettings

if TYPE_CHECKING:
    from .server import Server

IMMUTABLE = "public, max-age=31536000, immutable"
SHELL = "public, max-age=2592000"  # the player page: a kiosk restarted during an outage opens it from disk
NO_CACHE = "no-cache"
# Slide HTML: the policy the document carries itself, plus what only a header can say: a sandbox (an
# opaque origin, so nothing in a slide could act on the dashboard's origin) and who may frame it.
SLIDE_HTML_POLICY = SLIDE_CSP + "; frame-ancestors 'self'; sandbox"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def create_app(server: "Server") -> Starlette:
    async def healthz(request: Request) -> Response:
        return JSONResponse(server.health(), headers={"Cache-Control": NO_CACHE})

    async def home(request: Request) -> Response:
        links = "".join(f'<li><a href="player/?screen={s}">{s}</a></li>' for s in sorted(server.versions))
        return Response(f"<!doctype html><meta charset=utf-8><title>narrowcast</title><h1>narrowcast</h1>"
                        f"<p><a href=\"studio\">Studio</a> · <a href=\"dashboard\">Dashboard</a></p><p>Speler per scherm:</p><ul>{links}</ul>",
                        media_type="text/html")

    # The published site's config (the server reads it at start beside output/); with nothing
    # published yet, narrowcast.yaml read once. Never the file as it is now.
    settings = ServeSettings() if server.site else ServeSettings.read(server.root)

    def use_published_settings() -> None:
        if server.site is not None:
            settings.use(server.site.config)

    use_published_settings()
    server.after_build.append(use_published_settings)
    routes = [
        Route("/", home),
        *_report_routes(server, settings),
        *dashboard_routes(server),
        *publishing_routes(server),
        *preview_mount(server),  # /preview/: the working copy, for staff
        *studio_routes(server),  # /studio: staff write, check, preview and propose slides
        Route("/healthz", healthz),
        *_output_routes(server),
    ]
    state_broken = _state_broken(server.records.url if server.records else "")
    return Starlette(routes=routes, middleware=[Middleware(SameOriginGuard, settings=settings),
                                                Middleware(BodyLimit, larger=BODY_LIMITS)],
                     exception_handlers={SQLAlchemyError: state_broken, NarrowcastError: state_broken})


def _output_routes(server: "Server") -> list[Route]:
    """The published output as screens fetch it: manifests, media, the player, push."""
    async def manifest(request: Request) -> Response:
        screen = request.path_params["screen"]
        path = _inside(server.output, "screens", screen, "manifest.json")
        if path is None:
            return _not_found(f"onbekend scherm: {screen}")
        body = path.read_bytes()
        etag = '"' + _version_of(body) + '"'
        headers = {"ETag": etag, "Cache-Control": NO_CACHE, "Date": _http_date(server)}
        if _none_match(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    async def media(request: Request) -> Response:
        path = _inside(server.output, "media", request.path_params["name"])
        if path is None:
            return _not_found("onbekend bestand")
        headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        if path.suffix == ".html":
            headers["Content-Security-Policy"] = SLIDE_HTML_POLICY
        return FileResponse(path, headers=headers)

    async def player(request: Request) -> Response:
        name = request.path_params.get("name") or "index.html"
        path = _inside(server.output, "player", name)
        if path is None:
            return _not_found("onbekend bestand")
        hashed = re.search(r"\.[0-9a-f]{8,}\.(js|css)$", name)
        cache = IMMUTABLE if hashed else NO_CACHE if name in ("version.json", "sw.js") else SHELL
        return FileResponse(path, headers={"Cache-Control": cache})

    async def player_root(request: Request) -> Response:
        return RedirectResponse(request.url.replace(path="/player/"), status_code=301)

    async def events(request: Request) -> Response:
        screen = request.path_params["screen"]
        if screen not in server.versions:
            return _not_found(f"onbekend scherm: {screen}")
        stream = event_stream(server.broker, screen, server.versions.get(screen), request.is_disconnected,
                              request.headers.get("last-event-id"))
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def index_json(request: Request) -> Response:
        path = _inside(server.output, "index.json")
        return FileResponse(path, headers={"Cache-Control": NO_CACHE}) if path else _not_found("nog niet gebouwd")

    return [
        Route("/index.json", index_json),
        Route("/screens/{screen}/manifest.json", manifest),
        Route("/media/{name}", media),
        Route("/player", player_root),
        Route("/player/", player),
        Route("/player/{name}", player),
        Route("/events/{screen}", events),
    ]


def _report_routes(server: "Server", settings: ServeSettings) -> list[Route]:
    """Screens reporting in: heartbeats and plays, through the screen gate."""
    beats_allowed, plays_allowed = heartbeat_limit(), plays_limit()  # per server: no state shared between apps
    gate = ScreenGate(server.records, lambda: settings.keys_required)

    async def heartbeat(request: Request) -> Response:
        now = server.clock()
        screen, refused = gate.check(request, set(server.versions), beats_allowed, now.timestamp())
        if refused:
            return refused
        data, refused = await read_json(request, MAX_HEARTBEAT_BYTES)
        try:
            beat = parse_heartbeat(screen, data, now) if refused is None else None
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if beat is None:
            return refused or JSONResponse({"error": "verwacht een JSON-object met version, item, resolution, "
                                                     "user_agent en offset_ms"}, status_code=400)
        server.records.add_heartbeat(beat)
        return Response(status_code=204)

    async def plays(request: Request) -> Response:
        now = server.clock()
        screen, refused = gate.check(request, set(server.versions), plays_allowed, now.timestamp())
        if refused:
            return refused
        data, refused = await read_json(request, MAX_PLAYS_BYTES)
        if refused:
            return refused
        try:
            rows = parse_plays(data, now)
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        server.records.add_plays(screen, rows)
        return Response(status_code=204)

    return [
        Route("/api/screens/{screen}/heartbeat", heartbeat, methods=["POST"]),
        Route("/api/screens/{screen}/plays", plays, methods=["POST"]),
    ]


def _state_broken(url: str):
    async def handler(request: Request, exc: Exception) -> Response:
        """The state database (or another state file) broke while serving: a Dutch 503, no traceback."""
        return _broken(request, exc, url)
    return handler


def _broken(request: Request, exc: Exception, url: str) -> Response:
    from ..state.records import unusable

    error = exc if isinstance(exc, NarrowcastError) else unusable(exc, url)
    logging.getLogger("narrowcast.serve").error("%s %s: %s", request.method, request.url.path, error)
    return JSONResponse({"error": str(error)}, status_code=503, headers={"Retry-After": "30"})


def _inside(base: Path, *parts: str) -> Path | None:
    """A file under the published output, or None: no name may climb out of it."""
    if not all(_SAFE_NAME.match(part) for part in parts):
        return None
    path = base.joinpath(*parts)
    return path if path.is_file() else None


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


@lru_cache(maxsize=64)  # a manifest is read on every poll and never changes in place: check its shape once
def _version_of(manifest: bytes) -> str:
    """The manifest's own version; for a file damaged on disk, a hash of its bytes (the player refuses it)."""
    return manifest_version(manifest) or hashlib.sha256(manifest).hexdigest()[:16]


def _none_match(header: str, etag: str) -> bool:
    """If-None-Match names this ETag (weak comparison, RFC 9110 13.1.2), or is '*': any current version."""
    tags = _etags(header)
    return "*" in tags or etag in tags


def _http_date(server: "Server") -> str:
    return formatdate(server.clock().timestamp(), usegmt=True)


def _not_found(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=404)
