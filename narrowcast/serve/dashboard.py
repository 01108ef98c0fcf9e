"""The staff dashboard and the actions behind a login: screens, plays, schedule, urgent notices."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import NarrowcastError
from ..load import load_site
from ..records import PLAYS_AHEAD
from ..schedule import next_change_after
from ..state import active_notices
from .auth import LoginThrottle, clear_session_cookie, current_user, session_token, set_session_cookie, too_many_tries
from .health import BadBody, plays_by_item, read_json, screen_status

if TYPE_CHECKING:
    from .server import Server

MAX_NOTICE_BYTES = 16_384
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)


def dashboard_data(server: "Server", now: datetime) -> dict:
    """Every figure the dashboard shows, as plain data (the JSON API returns exactly this)."""
    site, _ = load_site(server.root)
    beats = server.records.last_heartbeats()
    notices = active_notices(server.root, now)
    screens = []
    for screen in (site.config.screens if site else []):
        status = screen_status(beats.get(screen.id), server.versions.get(screen.id), now)
        change = next_change_after(site, screen, now, notices) if site else None
        screens.append({"id": screen.id, "name": screen.name, "location": screen.location,
                        "newest_version": server.versions.get(screen.id), "next_change": change.isoformat() if change else None,
                        **status})
    alerts = [{"screen": s["id"], "name": s["name"],
               "problem": "offline" if not s["online"] else "achter" if s["behind"] else "melding",
               "detail": s["problem"] if s["online"] else None}  # an offline screen's last words may be stale
              for s in screens if not s["online"] or s["behind"] or s["problem"]]
    return {
        "time": now.isoformat(),
        "alerts": alerts,
        "screens": screens,
        "plays_24h": plays_by_item(server.records.play_counts(now - timedelta(hours=24), now + PLAYS_AHEAD)),
        "plays_7d": plays_by_item(server.records.play_counts(now - timedelta(days=7), now + PLAYS_AHEAD)),
        "notices": [{"id": n.id, "text": n.text, "until": n.until.isoformat(), "screens": list(n.screens)} for n in notices],
        "last_error": server.state.last_error,
    }


def routes(server: "Server") -> list[Route]:
    throttle = LoginThrottle()
    hashing = asyncio.Semaphore(1)

    def login_page(message: str = "", status: int = 200, headers: dict | None = None) -> Response:
        html = _TEMPLATES.get_template("login.html").render(message=message)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})

    async def dashboard(request: Request) -> Response:
        user = current_user(server, request)
        if user is None:
            return login_page("Log in om het dashboard te zien.", 401)
        data = dashboard_data(server, server.clock())
        html = _TEMPLATES.get_template("dashboard.html").render(data=data, user=user, fmt=_local(server))
        return HTMLResponse(html, headers={"Cache-Control": "no-store", "Refresh": "30"})

    async def api_dashboard(request: Request) -> Response:
        if current_user(server, request) is None:
            return JSONResponse({"error": "inloggen nodig"}, status_code=401)
        return JSONResponse(dashboard_data(server, server.clock()), headers={"Cache-Control": "no-store"})

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_page()
        form = await request.form()
        name, password = str(form.get("name", ""))[:100], str(form.get("password", ""))[:200]
        keys, now = throttle.keys(name, request), server.clock()
        wait = throttle.wait(keys, now)
        if wait:  # refused before any hashing: a flood of guesses costs nothing
            return login_page(too_many_tries(wait), 429, {"Retry-After": str(math.ceil(wait.total_seconds()))})
        throttle.attempt(keys, now)
        async with hashing:  # scrypt, off the event loop and one at a time: a burst never takes both cores
            ok = await asyncio.to_thread(server.records.check_password, name, password)
        if not ok:
            return login_page("Naam of wachtwoord klopt niet.", 401)
        throttle.succeeded(keys)
        old = session_token(request)
        if old:
            server.records.end_session(old)  # a session id planted before the login is never kept
        response = RedirectResponse("/dashboard", status_code=303)
        set_session_cookie(response, request, server.records.new_session(name, server.clock()))
        return response

    async def logout(request: Request) -> Response:
        token = session_token(request)
        if token:
            server.records.end_session(token)
        response = RedirectResponse("/login", status_code=303)
        clear_session_cookie(response, request)
        return response

    async def rebuild(request: Request) -> Response:
        if current_user(server, request) is None:
            return JSONResponse({"error": "inloggen nodig"}, status_code=401)
        ok = await server.rebuild("via het dashboard")
        return JSONResponse({"ok": ok, "error": server.state.last_error}, status_code=200 if ok else 422)

    async def urgent(request: Request) -> Response:
        from ..urgent import create_notice

        if current_user(server, request) is None:
            return JSONResponse({"error": "inloggen nodig"}, status_code=401)
        data, refused = await read_json(request, MAX_NOTICE_BYTES)
        if refused:
            return refused
        try:
            text, screens, icon = notice_request(data)
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            notice = await asyncio.to_thread(create_notice, server.root, text, server.clock(), None, screens, icon)
        except (ValueError, NarrowcastError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        await server.rebuild(f"melding {notice.id}")
        return JSONResponse({"id": notice.id, "until": notice.until.isoformat()})

    return [
        Route("/dashboard", dashboard),
        Route("/api/dashboard", api_dashboard),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/rebuild", rebuild, methods=["POST"]),
        Route("/api/urgent", urgent, methods=["POST"]),
    ]


def notice_request(data) -> tuple[str, list[str], str]:
    """{"text": …, "screens": [ids], "icon": word} from the API; raises BadBody (Dutch) when it is not that shape."""
    if not isinstance(data, dict):
        raise BadBody('verwacht een JSON-object: {"text": "…", "screens": ["…"], "icon": "…"}')
    text, screens, icon = data.get("text"), data.get("screens"), data.get("icon")
    screens, icon = [] if screens is None else screens, "informatie" if icon is None else icon
    if not isinstance(text, str):
        raise BadBody("text: hier hoort de tekst van de melding")
    if not isinstance(screens, list) or not all(isinstance(s, str) for s in screens):
        raise BadBody('screens: hier hoort een lijst van scherm-ids, zoals ["werkplein-hal"]')
    if not isinstance(icon, str):
        raise BadBody("icon: hier hoort een icoonwoord, zoals informatie")
    return text, screens, icon


def _local(server: "Server"):
    from zoneinfo import ZoneInfo

    site, _ = load_site(server.root)
    tz = ZoneInfo(site.config.timezone if site else "Europe/Amsterdam")

    def fmt(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%d-%m %H:%M") if iso else "–"

    return fmt
