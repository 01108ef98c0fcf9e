"""The staff dashboard and the actions behind a login: screens, plays, schedule, urgent notices.

What it shows of the content comes from the site the server published last (`server.published`),
never from the files on disk: while a file is broken, every screen is still listed, with what is
wrong with the file beside it.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..content.fields import DEFAULT_TZ
from ..errors import NarrowcastError
from ..schedule.loop import loop_figures
from ..schedule.plan import next_change_after, plan_screen
from ..state.files import active_notices
from ..state.records import PLAYS_AHEAD
from .auth import (LoginThrottle, clear_session_cookie, login_needed, needs_login, session_token, set_session_cookie,
                   too_many_tries)
from .health import BadBody, plays_by_item, read_json, screen_status

if TYPE_CHECKING:
    from ..state.files import Notice
    from .builder import BuildOutcome
    from .server import Server

MAX_NOTICE_BYTES = 16_384
TEMPLATES = jinja2.Environment(  # the pages of serve/templates: dashboard, login, guard.refused
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)


def dashboard_data(server: "Server", now: datetime) -> dict:
    """Every figure the dashboard shows, as plain data (the JSON API returns exactly this)."""
    published = server.published
    notices = active_notices(server.root, now)
    screens = _screens(server, now, notices)
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
        "notices": [{"id": n.id, "text": n.text, "until": n.until.isoformat(), "screens": list(n.screens),
                     "translations": dict(n.translations)} for n in notices],
        "published_at": published.at.isoformat() if published else None,  # None: no good build yet in this run
        "last_error": server.state.last_error,
        "last_failure": failure_data(server.state.failure),
    }


def _screens(server: "Server", now: datetime, notices) -> list[dict]:
    """Each screen of the published site: its health, the newest version and when what it shows changes."""
    site, published = server.site, server.published
    if site is None or published is None:
        return []
    beats = server.records.last_heartbeats()
    screens = []
    for screen in site.config.screens:
        newest = published.versions.get(screen.id)
        change = next_change_after(site, screen, now, notices)
        loop = loop_figures(plan_screen(site, screen, now, notices), now)
        screens.append({"id": screen.id, "name": screen.name, "location": screen.location, "newest_version": newest,
                        "next_change": change.isoformat() if change else None,
                        "loop_seconds": loop.loop_seconds, "wait_seconds": site.config.wait_minutes * 60,
                        **screen_status(beats.get(screen.id), newest, now)})
    return screens


def failure_data(outcome: "BuildOutcome | None") -> dict | None:
    """The last failed build as data: the content's findings (file, line, Dutch message), or the error."""
    if outcome is None:
        return None
    return {"error": outcome.error, "content": outcome.content,
            "findings": [finding.as_dict() for finding in outcome.findings]}


REFRESH_SECONDS = 30


def dashboard_page(server: "Server", user: str, now: datetime, refresh: bool = True) -> str:
    """The dashboard as HTML: exactly `dashboard_data`, in the site's local time."""
    return TEMPLATES.get_template("dashboard.html").render(data=dashboard_data(server, now), user=user,
                                                             fmt=local_times(server), refresh=refresh,
                                                             refresh_seconds=REFRESH_SECONDS)


def routes(server: "Server") -> list[Route]:
    def login_page(message: str = "", status: int = 200, headers: dict | None = None) -> Response:
        html = TEMPLATES.get_template("login.html").render(message=message)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})

    page = needs_login(server, lambda: login_page("Log in om het dashboard te zien.", 401))
    api = needs_login(server, login_needed)

    @page
    async def dashboard(request: Request, user: str) -> Response:
        # The page reloads itself, which takes a screen reader back to the top: the link at the top
        # turns that off before the first reload (WCAG 2.2.1), and ?verversen=uit keeps it off.
        refresh = request.query_params.get("verversen") != "uit"
        html = dashboard_page(server, user, server.clock(), refresh)
        headers = {"Cache-Control": "no-store"} | ({"Refresh": str(REFRESH_SECONDS)} if refresh else {})
        return HTMLResponse(html, headers=headers)

    @api
    async def api_dashboard(request: Request, user: str) -> Response:
        return JSONResponse(dashboard_data(server, server.clock()), headers={"Cache-Control": "no-store"})

    return [
        Route("/dashboard", dashboard),
        Route("/api/dashboard", api_dashboard),
        *_session_routes(server, login_page),
        *_action_routes(server, api),
    ]


def _session_routes(server: "Server", login_page) -> list[Route]:
    """Logging in (with a growing wait after failed tries) and out."""
    throttle = LoginThrottle()
    hashing = asyncio.Semaphore(1)

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
        response = RedirectResponse(_next_page(str(form.get("next", ""))), status_code=303)
        set_session_cookie(response, request, server.records.new_session(name, server.clock()))
        return response

    async def logout(request: Request) -> Response:
        token = session_token(request)
        if token:
            server.records.end_session(token)
        response = RedirectResponse("/login", status_code=303)
        clear_session_cookie(response, request)
        return response

    return [Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"])]


NEXT_PAGES = ("/dashboard", "/studio", "/preview/")


def _next_page(asked: str) -> str:
    """Where a login leads: the staff page that asked for it (only our own pages), else the dashboard."""
    return asked if asked.startswith(NEXT_PAGES) and "//" not in asked and "\\" not in asked else "/dashboard"


def _action_routes(server: "Server", api) -> list[Route]:
    """What staff may do from the dashboard or a script: rebuild now, publish an urgent notice."""

    @api
    async def rebuild(request: Request, user: str) -> Response:
        ok = await server.rebuild("via het dashboard")
        return JSONResponse({"ok": ok, "error": server.state.last_error}, status_code=200 if ok else 422)

    @api
    async def urgent(request: Request, user: str) -> Response:
        from ..publish.urgent import NoticeError
        from ..review.flow import Refused

        try:
            may_handle_notices(server, user, "een urgente melding maken")
        except Refused as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        data, refused = await read_json(request, MAX_NOTICE_BYTES)
        if refused:
            return refused
        try:
            asked = notice_request(data)
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            notice = await make_notice(server, asked, user)
        except NoticeError as exc:  # named as the API's field, not as the command line's option
            return JSONResponse({"error": f"{exc.field}: {exc.message}", "field": exc.field}, status_code=422)
        except (ValueError, NarrowcastError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse({"id": notice.id, "until": notice.until.isoformat(),
                             "translations": dict(notice.translations)})

    return [Route("/api/rebuild", rebuild, methods=["POST"]), Route("/api/urgent", urgent, methods=["POST"])]


# --- urgent notices: what POST /api/urgent and the studio's notice page both do ----------------------

def may_handle_notices(server: "Server", user: str, doing: str) -> str:
    """The user's role when it may make or stop urgent notices (an eindredacteur or beheerder); else `Refused`."""
    from ..review.flow import require_role

    return require_role(server.records, user, "eindredacteur", doing)


async def make_notice(server: "Server", asked: "NoticeRequest", user: str, force: str | None = None) -> "Notice":
    """Check and save a notice as asked (until as typed), then rebuild so screens show it. The caller
    checked the role (`may_handle_notices`). Raises NoticeError (naming the field), ContentError
    (language errors, unless `force` gives the reason), NarrowcastError, ValueError."""
    from ..publish.urgent import create_notice, parse_until

    now = server.clock()
    tz = server.site.config.timezone if server.site else DEFAULT_TZ
    until = parse_until(asked.until, now, tz)[0] if asked.until is not None else None
    notice = await asyncio.to_thread(create_notice, server.root, asked.text, now, until, asked.screens, asked.icon,
                                     force, asked.translations, user)
    await server.rebuild(f"melding {notice.id}")
    return notice


async def stop_notice(server: "Server", notice_id: str, user: str) -> "Notice":
    """End a running notice now and rebuild, so screens drop it (the caller checked the role)."""
    from ..publish.urgent import end_running_notice

    notice = await asyncio.to_thread(end_running_notice, server.root, notice_id, server.clock())
    await server.rebuild(f"melding {notice.id} gestopt door {user}")
    return notice


@dataclass(frozen=True)
class NoticeRequest:
    """What POST /api/urgent asks for; `until` as typed (17:00, 2u, 2026-12-03 17:00), checked by parse_until."""

    text: str
    screens: list[str]
    icon: str = "informatie"
    until: str | None = None
    translations: dict[str, str] = field(default_factory=dict)


def notice_request(data) -> NoticeRequest:
    """{"text": …, "screens": [ids], "icon": word, "until": "17:00", "translations": {"en": …}} from the API;
    raises BadBody (Dutch) when it is not that shape."""
    if not isinstance(data, dict):
        raise BadBody('verwacht een JSON-object: {"text": "…", "screens": ["…"], "icon": "…"}')
    text, screens, icon = data.get("text"), data.get("screens"), data.get("icon")
    screens, icon = [] if screens is None else screens, "informatie" if icon is None else icon
    until, translations = data.get("until"), data.get("translations") or {}
    if not isinstance(text, str):
        raise BadBody("text: hier hoort de tekst van de melding")
    if not isinstance(screens, list) or not all(isinstance(s, str) for s in screens):
        raise BadBody('screens: hier hoort een lijst van scherm-ids, zoals ["werkplein-hal"]')
    if not isinstance(icon, str):
        raise BadBody("icon: hier hoort een icoonwoord, zoals informatie")
    if until is not None and not isinstance(until, str):
        raise BadBody('until: hier hoort een tijd als tekst, zoals "17:00", "2u" of "2026-12-03 17:00"')
    if not isinstance(translations, dict) or not all(isinstance(t, str) for t in translations.values()):
        raise BadBody('translations: hier hoort per taal de tekst, zoals {"en": "The office is closed today"}')
    return NoticeRequest(text, screens, icon, until, translations)


def local_times(server: "Server"):
    """Moments as the published site's local time, '23-11 10:00' (before a good build: Amsterdam)."""
    tz = ZoneInfo(server.site.config.timezone if server.site else DEFAULT_TZ)

    def fmt(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%d-%m %H:%M") if iso else "–"

    return fmt
