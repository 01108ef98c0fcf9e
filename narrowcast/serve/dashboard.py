"""The staff dashboard and the actions behind a login: screens, plays, schedule, urgent notices."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import NarrowcastError
from ..load import load_site
from ..schedule import next_change_after
from ..state import active_notices
from .health import plays_by_item, screen_status

if TYPE_CHECKING:
    from .server import Server

COOKIE = "nc_session"
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
    alerts = [{"screen": s["id"], "name": s["name"], "problem": "offline" if not s["online"] else "achter"}
              for s in screens if not s["online"] or s["behind"]]
    return {
        "time": now.isoformat(),
        "alerts": alerts,
        "screens": screens,
        "plays_24h": plays_by_item(server.records.play_counts(now - timedelta(hours=24))),
        "plays_7d": plays_by_item(server.records.play_counts(now - timedelta(days=7))),
        "notices": [{"id": n.id, "text": n.text, "until": n.until.isoformat(), "screens": list(n.screens)} for n in notices],
        "last_error": server.state.last_error,
    }


def current_user(server: "Server", request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return server.records.token_user(auth[7:].strip())
    token = request.cookies.get(COOKIE)
    return server.records.session_user(token, server.clock()) if token else None


def routes(server: "Server") -> list[Route]:
    def login_page(message: str = "", status: int = 200) -> Response:
        html = _TEMPLATES.get_template("login.html").render(message=message)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

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
        ok = await asyncio.to_thread(server.records.check_password, name, password)
        if not ok:
            return login_page("Naam of wachtwoord klopt niet.", 401)
        token = server.records.new_session(name, server.clock())
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=8 * 3600, path="/")
        return response

    async def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            server.records.end_session(token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
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
        try:
            data = await request.json()
            notice = await asyncio.to_thread(create_notice, server.root, str(data.get("text", "")), server.clock(),
                                             None, list(data.get("screens") or []), str(data.get("icon") or "informatie"))
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


def _local(server: "Server"):
    from zoneinfo import ZoneInfo

    site, _ = load_site(server.root)
    tz = ZoneInfo(site.config.timezone if site else "Europe/Amsterdam")

    def fmt(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%d-%m %H:%M") if iso else "–"

    return fmt
