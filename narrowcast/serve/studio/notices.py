"""The studio's urgent notice page: make a notice with a form, see the running ones, stop one with one click.

The same steps as `POST /api/urgent` and `narrowcast urgent` (serve/dashboard.make_notice and
stop_notice, publish/urgent.py): the same checks, and a refusal shown at the field it is about.
Language errors refuse unless a reason is given to place the notice anyway (`--force --reason`),
which is recorded with the user. Only an eindredacteur or beheerder may make or stop notices.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...errors import ContentError, NarrowcastError
from ..dashboard import NoticeRequest, make_notice, may_handle_notices, stop_notice

if TYPE_CHECKING:
    from ...content.model import Site
    from ..server import Server

MAKING, STOPPING = "een urgente melding maken", "een urgente melding stoppen"
GENERAL = "algemeen"  # a problem that is about no one field (the content itself, a build)


@dataclass
class Refusal:
    """Why a notice was not placed: the messages per field (`text`, `screens`, `until`, `icon`,
    `translations`, `translation-<lang>`, or GENERAL), and whether a reason may force it."""

    messages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # field → [(severity, message)]
    forceable: bool = False

    def add(self, where: str, message: str, severity: str = "error") -> None:
        self.messages.setdefault(where, []).append((severity, message))

    def at(self, where: str) -> list[tuple[str, str]]:
        return self.messages.get(where, [])


def refusal_of(exc: Exception) -> Refusal:
    """A refused notice's messages at their fields: from a NoticeError's field, a finding's field."""
    from ...publish.urgent import NoticeError

    refusal = Refusal()
    if isinstance(exc, NoticeError):
        refusal.add(exc.field, exc.message)
    elif isinstance(exc, ContentError):
        refusal.forceable = True
        for finding in exc.findings:
            if finding.file != "melding":  # the content itself: no field of this form
                refusal.add(GENERAL, f"{finding.file}: {finding.message}", finding.severity)
            elif finding.field.startswith("vertaling "):
                refusal.add("translation-" + finding.field.removeprefix("vertaling "), finding.message, finding.severity)
            else:
                refusal.add("text", finding.message, finding.severity)
    else:
        refusal.add(GENERAL, str(exc))
    return refusal


def site_languages(site: "Site") -> list[str]:
    """The languages besides Dutch that the site's screens show (a screen without a choice: every language the content has)."""
    from ...schedule.languages import language_choice

    content = sorted({lang for slide in site.slides.values() for lang in slide.translations})
    found: dict[str, None] = {}
    for screen in site.config.screens:
        shown = language_choice(site, screen).shown
        found.update(dict.fromkeys(content if shown is None else shown))
    return [lang for lang in found if lang != site.config.language]


def language_name(lang: str) -> str:
    """'Engels' for en, in Dutch; the code itself when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(lang.replace("-", "_")).get_display_name("nl")
    except (ValueError, UnknownLocaleError):
        return lang
    return name[:1].upper() + name[1:] if name else lang


def routes(server: "Server", staff, page, render) -> list[Route]:
    from ...assets.icons import dutch_words
    from ...content.model import text_direction
    from ...review.flow import Refused
    from ...state.files import active_notices, load_notices

    async def shown(user: str, *, typed: dict | None = None, refusal: Refusal | None = None, problem: str = "",
                    done: str = "", status: int = 200) -> Response:
        site, now = server.site, server.clock()
        notices = await asyncio.to_thread(active_notices, server.root, now)
        tz = ZoneInfo(site.config.timezone) if site else None
        names = {s.id: s.name for s in site.config.screens} if site else {}
        languages = site_languages(site) if site else []
        try:
            may_handle_notices(server, user, MAKING)
            allowed = True
        except Refused:
            allowed = False
        running = [{"id": n.id, "text": n.text, "until": n.end_words(tz) if tz else n.until.isoformat(),
                    "screens": [names.get(s, s) for s in n.screens],
                    "languages": [language_name(lang) for lang, _ in n.translations]} for n in notices]
        refusal = refusal or Refusal()
        labels = {"text": ("text", "Tekst"), "until": ("until", "Tot wanneer"), "icon": ("icon", "Icoon"),
                  "screens": ("screen-" + site.config.screens[0].id if site else "text", "Schermen"),
                  "translations": (f"translation-{languages[0]}" if languages else "text", "Vertalingen"),
                  **{f"translation-{lang}": (f"translation-{lang}", f"Vertaling {language_name(lang)}") for lang in languages}}
        summary = [(*labels[where], message) for where, found in refusal.messages.items() if where in labels
                   for severity, message in found if severity == "error"]
        tomorrow = now.astimezone(tz).date() + timedelta(days=1) if tz else None
        return page(render("notices.html", here="melding", user=user, site=site, allowed=allowed, summary=summary,
                           tomorrow=tomorrow,
                           role=server.records.role(user), running=running, typed=typed or {}, refusal=refusal,
                           problem=problem, done=done, languages=[(lang, language_name(lang), text_direction(lang) == "rtl")
                                                                   for lang in languages],
                           icons=dutch_words(), general=GENERAL), status)

    @staff
    async def notices_page(request: Request, user: str) -> Response:
        return await shown(user, done=await asyncio.to_thread(_done, request.query_params.get("geplaatst", ""),
                                                              request.query_params.get("gestopt", "")))

    @staff
    async def make(request: Request, user: str) -> Response:
        try:
            may_handle_notices(server, user, MAKING)
        except Refused as exc:
            return await shown(user, problem=str(exc), status=exc.status)
        form = await request.form()
        site = server.site
        screens_all = [s.id for s in site.config.screens] if site else []
        chosen = [str(s) for s in form.getlist("screens")]
        typed = {"text": str(form.get("text", "")), "until": str(form.get("until", "")).strip(),
                 "icon": str(form.get("icon", "informatie")), "reason": str(form.get("reason", "")).strip(),
                 "screens": chosen,
                 "translations": {lang: str(form.get(f"translation-{lang}", "")).strip()
                                  for lang in (site_languages(site) if site else [])}}
        if screens_all and not chosen:
            refusal = Refusal()
            refusal.add("screens", "kies minstens één scherm")
            return await shown(user, typed=typed, refusal=refusal, status=422)
        asked = NoticeRequest(typed["text"], [] if set(chosen) >= set(screens_all) else chosen, typed["icon"],
                              typed["until"] or None, {lang: t for lang, t in typed["translations"].items() if t})
        try:
            notice = await make_notice(server, asked, user, typed["reason"] or None)
        except (ValueError, NarrowcastError) as exc:
            return await shown(user, typed=typed, refusal=refusal_of(exc), status=422)
        return RedirectResponse(f"/studio/melding?geplaatst={quote(notice.id)}", status_code=303)

    @staff
    async def stop(request: Request, user: str) -> Response:
        try:
            may_handle_notices(server, user, STOPPING)
        except Refused as exc:
            return await shown(user, problem=str(exc), status=exc.status)
        try:
            notice = await stop_notice(server, request.path_params["id"], user)
        except NarrowcastError as exc:
            return await shown(user, problem=str(exc), status=409)
        return RedirectResponse(f"/studio/melding?gestopt={quote(notice.id)}", status_code=303)

    def _done(made: str, stopped: str) -> str:
        """What the redirect after a step says, for a notice that really is placed or stopped (a link cannot make it up)."""
        now, saved = server.clock(), {n.id: n for n in load_notices(server.root)}
        if made in saved and saved[made].until > now:
            tz = ZoneInfo(server.site.config.timezone) if server.site else None
            return f"De melding staat op de schermen, {saved[made].end_words(tz)}." if tz else "De melding staat op de schermen."
        if stopped in saved and saved[stopped].until <= now:
            return "De melding is gestopt. De schermen halen hem binnen een paar seconden weg."
        return ""

    return [
        Route("/studio/melding", notices_page, methods=["GET"]),
        Route("/studio/melding", make, methods=["POST"]),
        Route("/studio/melding/{id}/stoppen", stop, methods=["POST"]),
    ]
