"""The HTTP side of `narrowcast serve`: manifests, media, the player, push, health.

Everything screens need is a file in the published output; this app adds the right cache
headers, strong ETags with 304s, and server-sent events. The same output works from any static
web server, where screens poll instead of listening.
"""

from __future__ import annotations

import json
import re
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from .dashboard import routes as dashboard_routes
from .events import event_stream
from .health import (MAX_HEARTBEAT_BYTES, MAX_PLAYS_BYTES, heartbeat_limit, parse_heartbeat, parse_plays,
                     plays_limit, read_json, screen_gate)

if TYPE_CHECKING:
    from .server import Server

IMMUTABLE = "public, max-age=31536000, immutable"
SHELL = "public, max-age=2592000"  # the player page: a kiosk restarted during an outage opens it from disk
NO_CACHE = "no-cache"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def create_app(server: "Server") -> Starlette:
    async def manifest(request: Request) -> Response:
        screen = request.path_params["screen"]
        path = _inside(server.output, "screens", screen, "manifest.json")
        if path is None:
            return _not_found(f"onbekend scherm: {screen}")
        body = path.read_bytes()
        etag = '"' + json.loads(body)["version"] + '"'
        headers = {"ETag": etag, "Cache-Control": NO_CACHE, "Date": _http_date(server)}
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    async def media(request: Request) -> Response:
        path = _inside(server.output, "media", request.path_params["name"])
        if path is None:
            return _not_found("onbekend bestand")
        return FileResponse(path, headers={"Cache-Control": IMMUTABLE})

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
        stream = event_stream(server.broker, screen, server.versions.get(screen), request.is_disconnected)
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def index_json(request: Request) -> Response:
        path = _inside(server.output, "index.json")
        return FileResponse(path, headers={"Cache-Control": NO_CACHE}) if path else _not_found("nog niet gebouwd")

    async def healthz(request: Request) -> Response:
        return JSONResponse(server.health(), headers={"Cache-Control": NO_CACHE})

    async def home(request: Request) -> Response:
        links = "".join(f'<li><a href="player/?screen={s}">{s}</a></li>' for s in sorted(server.versions))
        return Response(f"<!doctype html><meta charset=utf-8><title>narrowcast</title><h1>narrowcast</h1>"
                        f"<p><a href=\"dashboard\">Dashboard</a></p><p>Speler per scherm:</p><ul>{links}</ul>",
                        media_type="text/html")

    beats_allowed, plays_allowed = heartbeat_limit(), plays_limit()  # per server: no state shared between apps

    async def heartbeat(request: Request) -> Response:
        screen, refused = screen_gate(request, server.records, set(server.versions), beats_allowed)
        if refused:
            return refused
        data, refused = await read_json(request, MAX_HEARTBEAT_BYTES)
        beat = parse_heartbeat(screen, data, server.clock()) if refused is None else None
        if beat is None:
            return refused or JSONResponse({"error": "onbekende vorm"}, status_code=400)
        server.records.add_heartbeat(beat)
        return Response(status_code=204)

    async def plays(request: Request) -> Response:
        screen, refused = screen_gate(request, server.records, set(server.versions), plays_allowed)
        if refused:
            return refused
        data, refused = await read_json(request, MAX_PLAYS_BYTES)
        rows = parse_plays(data) if refused is None else None
        if rows is None:
            return refused or JSONResponse({"error": "onbekende vorm"}, status_code=400)
        server.records.add_plays(screen, rows)
        return Response(status_code=204)

    routes = [
        Route("/", home),
        Route("/api/screens/{screen}/heartbeat", heartbeat, methods=["POST"]),
        Route("/api/screens/{screen}/plays", plays, methods=["POST"]),
        *dashboard_routes(server),
        Route("/healthz", healthz),
        Route("/index.json", index_json),
        Route("/screens/{screen}/manifest.json", manifest),
        Route("/media/{name}", media),
        Route("/player", player_root),
        Route("/player/", player),
        Route("/player/{name}", player),
        Route("/events/{screen}", events),
    ]
    return Starlette(routes=routes)


def _inside(base: Path, *parts: str) -> Path | None:
    """A file under the published output, or None: no name may climb out of it."""
    if not all(_SAFE_NAME.match(part) for part in parts):
        return None
    path = base.joinpath(*parts)
    return path if path.is_file() else None


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _http_date(server: "Server") -> str:
    return formatdate(server.clock().timestamp(), usegmt=True)


def _not_found(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=404)
