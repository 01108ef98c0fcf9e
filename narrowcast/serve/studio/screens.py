"""The studio's screens page: each screen's health from the dashboard, and a picture of what it shows now.

The figures are `dashboard_data` (on or off, behind, problems, the next change, the loop against
the wait). What a screen shows now comes from what was published: the item live now in the
server's published plan, its picture from the screen's published manifest. A screen that is on
and said in its heartbeat which item it shows is taken at its word ("gemeld door het scherm").
"""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..dashboard import dashboard_data, local_times

if TYPE_CHECKING:
    from ...publish.manifest import Manifest
    from ...schedule.plan import Plan
    from ..server import Server


@dataclass(frozen=True)
class Showing:
    """What a screen shows now: the item, its title, its picture (a URL under /media/, or None), and who says so."""

    item: str
    title: str
    image: str | None
    reported: bool  # True: the screen's own heartbeat; False: the published plan
    others: int = 0  # by the plan: how many more items take turns with it now


def showing_now(server: "Server", screen_id: str, now: datetime, reported_item: str | None) -> Showing | None:
    """The item on a screen now (the screen's report when it gives one, else the first live item of the plan)."""
    site = server.site
    screen = site.screens.get(screen_id) if site else None
    if screen is None:
        return None
    manifest = _manifest(server, screen_id)
    if reported_item:
        title, image = _in_manifest(manifest, reported_item, screen_id, server)
        if title is not None:
            return Showing(reported_item, title, image, True)
    from ...schedule.plan import live_in

    live = live_in(_plan(server, screen, now), now)
    first = live[0]
    title, image = _in_manifest(manifest, first.item_id, screen_id, server)
    return Showing(first.item_id, first.title, image, False, len(live) - 1)


def _plan(server: "Server", screen, now: datetime) -> "Plan":
    """The published plan of the screen when `now` lies in its window; else planned now from the published site."""
    from ...schedule.plan import plan_screen
    from ...state.files import active_notices

    for plan in server.published.plans if server.published else ():
        if plan.screen.id == screen.id and plan.window[0] <= now < plan.window[1]:
            return plan
    return plan_screen(server.site, screen, now, active_notices(server.root, now))


def _manifest(server: "Server", screen_id: str) -> "Manifest | None":
    from ...publish.manifest import Manifest

    try:
        return Manifest.from_json((server.output / "screens" / screen_id / "manifest.json").read_bytes())
    except (OSError, ValueError):  # not published yet, or damaged: no pictures, the figures still stand
        return None


def _in_manifest(manifest: "Manifest | None", item_id: str, screen_id: str,
                 server: "Server") -> tuple[str | None, str | None]:
    """(title, picture URL) of an item in the screen's manifest; (None, None) when it is not there."""
    if manifest is None:
        return None, None
    for item in manifest.items:
        if item.id == item_id:
            return item.title, media_url(server, screen_id, item.image)
    if manifest.fallback.id == item_id:
        return item_id, media_url(server, screen_id, manifest.fallback.image)
    return None, None


def media_url(server: "Server", screen_id: str, image: str) -> str | None:
    """A manifest's image (relative to the manifest: ../../media/<hash>.png) as served (/media/<hash>.png), if it exists."""
    url = posixpath.normpath(posixpath.join(f"/screens/{screen_id}", image))
    name = url.removeprefix("/media/")
    if url == name or "/" in name or not (server.output / "media" / name).is_file():
        return None
    return url


def span_words(seconds: int) -> str:
    """`4 min 10 s`, `21 s`, `15 min`."""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def screen_rows(server: "Server", now: datetime) -> tuple[dict, list[dict]]:
    """The dashboard's data, and per screen its figures with what it shows now (`showing`)."""
    data = dashboard_data(server, now)
    rows = [{**screen, "showing": showing_now(server, screen["id"], now, screen["item"] if screen["online"] else None),
             "size": _size(server, screen["id"])}
            for screen in data["screens"]]
    return data, rows


def _size(server: "Server", screen_id: str) -> tuple[int, int]:
    """The thumbnail's size: 320 px wide, in the screen's proportions."""
    screen = server.site.screens[screen_id]
    return 320, round(320 * screen.height / screen.width)


def routes(server: "Server", staff, page, render) -> list[Route]:
    @staff
    async def screens_page(request: Request, user: str) -> Response:
        now = server.clock()
        data, rows = await asyncio.to_thread(screen_rows, server, now)
        return page(render("screens.html", here="schermen", user=user, data=data, rows=rows, fmt=local_times(server),
                           span=span_words))

    return [Route("/studio/schermen", screens_page, methods=["GET"])]
