"""The studio's playlists page: every playlist with its loop length; one playlist to reorder, add to, take from.

Forms that work without script: per item the buttons Omhoog, Omlaag and Verwijderen, and a select to
add a slide. static/playlists.js adds dragging, which submits the same form with the new order.
Saving goes through content/roundtrip.py (`set_playlist_items`, `add_playlist_slide`): comments and
the items' own settings stay, and a file changed since the page was loaded is never overwritten
(the form's `version` is the SHA-256 of the file as loaded).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...content.lawfacts import filled
from ...content.model import Playlist, Site, Slide
from ...errors import NarrowcastError

if TYPE_CHECKING:
    from ..server import Server

MOVES = {"omhoog": -1, "omlaag": 1}


# --- what the pages show, as plain data ---------------------------------------------------------------

def span_words(seconds: int) -> str:
    """`4 min 10 s`, `21 s`, `10 min`."""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


@dataclass(frozen=True)
class LoopLength:
    """A playlist's loop as a visitor meets it now on one screen, against the time people wait."""

    seconds: int
    wait_minutes: int
    screen: str  # the screen's name it was measured on
    on_screen: bool  # False: no screen shows the playlist; measured on a screen like the first
    nothing_live: bool  # nothing of the list plays now: the fallback stands

    @property
    def too_long(self) -> bool:
        return not self.nothing_live and self.seconds > self.wait_minutes * 60

    @property
    def words(self) -> str:
        if self.nothing_live:
            return f"Nu is er geen dia uit deze lijst te zien; de reservedia staat. De meeste mensen wachten {self.wait_minutes} min."
        return f"Een ronde duurt {span_words(self.seconds)}; de meeste mensen wachten {self.wait_minutes} min."


def loop_length(site: Site, playlist: Playlist, now: datetime) -> LoopLength | None:
    """The loop now on the first screen that shows the playlist (or a screen like the first one); None without screens."""
    from ...schedule.loop import loop_figures
    from ...schedule.plan import live_in, plan_screen

    screens = [s for s in site.config.screens if s.playlist == playlist.id]
    if not screens and not site.config.screens:
        return None
    screen = screens[0] if screens else site.config.screens[0].model_copy(
        update={"playlist": playlist.id, "languages": None, "language_mode": None})
    plan = plan_screen(site, screen, now)
    figures = loop_figures(plan, now)
    return LoopLength(figures.loop_seconds, site.config.wait_minutes, screen.name, bool(screens), not live_in(plan, now))


def title(site: Site, slide: Slide) -> str:
    return filled(slide, site.config.language, None, slide.title) or slide.id


def plays(site: Site, playlist: Playlist) -> list[str]:
    """The slides a playlist plays, each once, in order (a tag's slides in folder order)."""
    seen: list[str] = []
    for item in playlist.items:
        for slide in ([site.slides[item.slide]] if item.slide in site.slides else
                      [s for s in site.slides.values() if item.tag and item.tag in s.tags]):
            if slide.id not in seen:
                seen.append(slide.id)
    return seen


def playlist_rows(site: Site, now: datetime) -> list[dict]:
    return [{"id": p.id, "name": p.name, "file": p.origin.file, "slides": len(plays(site, p)),
             "screens": [s.name for s in site.config.screens if s.playlist == p.id], "loop": loop_length(site, p, now)}
            for p in site.playlists.values()]


@dataclass(frozen=True)
class ItemRow:
    """One item of a playlist as the page shows it; `index` is its place in the file's `items` as loaded."""

    index: int
    slide: str | None
    tag: str | None
    title: str
    duration: str
    every: str
    picture: dict | None  # the preview's first picture of the slide: {image, width, height, ...}
    tagged: int = 0  # how many slides carry the tag


def item_rows(site: Site, playlist: Playlist, preview: dict | None) -> list[ItemRow]:
    from ...schedule.plan import auto_duration

    pictures = {s["id"]: _picture(s) for s in (preview or {}).get("slides", [])}
    rows = []
    for index, item in enumerate(playlist.items):
        if item.slide:
            slide = site.slides.get(item.slide)
            seconds = item.duration or (slide and slide.duration)
            duration = span_words(seconds) if seconds else (
                f"{span_words(auto_duration(site, slide, site.config.language))} (de leestijd)" if slide else "onbekend")
            every = item.every or (slide.every if slide else None)
            rows.append(ItemRow(index, item.slide, None, title(site, slide) if slide else item.slide, duration,
                                f"minstens elke {span_words(every)}" if every else "geen", pictures.get(item.slide)))
        else:
            tagged = [s for s in site.slides.values() if item.tag in s.tags]
            rows.append(ItemRow(index, None, item.tag, f"alle dia's met het label {item.tag}",
                                f"{span_words(item.duration)} per dia" if item.duration else "de eigen duur van elke dia",
                                f"minstens elke {span_words(item.every)}" if item.every else "geen", None, len(tagged)))
    return rows


def _picture(seen: dict) -> dict | None:
    """The first picture of a slide, landscape when there is one."""
    first = [v for v in seen.get("variants", []) if v.get("first")]
    first.sort(key=lambda v: v["width"] < v["height"])
    return first[0] if first else None


def addable(site: Site, playlist: Playlist) -> list[tuple[str, str]]:
    """(id, words to choose it by) of the slides the playlist does not name yet, by title; a title two slides
    share comes with the id."""
    named = {item.slide for item in playlist.items if item.slide}
    titles = {s.id: title(site, s) for s in site.slides.values() if s.id not in named}
    shared = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    return sorted(((ident, f"{t} ({ident})" if t in shared else t) for ident, t in titles.items()),
                  key=lambda pair: pair[1].lower())


def new_order(count: int, order: list[str], move: tuple[str, str] | None, remove: str | None) -> list[int]:
    """The order a form asks for: the items' indexes as listed (dragging changes that), one moved or one taken out."""
    try:
        indexes = [int(i) for i in order]
        if sorted(indexes) != list(range(count)):
            raise NarrowcastError("de lijst is intussen veranderd; open de afspeellijst opnieuw")
        if remove is not None:
            indexes.remove(int(remove))
        if move is not None:
            at = indexes.index(int(move[1]))
            to = at + MOVES[move[0]]
            if 0 <= to < len(indexes):
                indexes[at], indexes[to] = indexes[to], indexes[at]
    except ValueError:
        raise NarrowcastError("dat formulier kan de studio niet lezen; open de afspeellijst opnieuw") from None
    return indexes


# --- the routes ---------------------------------------------------------------------------------------

def routes(server: "Server", staff, page, render) -> list[Route]:
    from ...content import roundtrip
    from .pages import _wake_preview, _working

    async def broken(user: str, findings) -> Response:
        return page(render("playlists.html", here="afspeellijsten", user=user, rows=None,
                           findings=[f for f in findings if f.is_error][:50]))

    @staff
    async def overview(request: Request, user: str) -> Response:
        working, findings = await asyncio.to_thread(_working, server)
        if working is None:
            return await broken(user, findings)
        rows = await asyncio.to_thread(playlist_rows, working, server.clock())
        return page(render("playlists.html", here="afspeellijsten", user=user, rows=rows, review=working.config.review))

    async def shown(user: str, ident: str, notice: str = "", problem: str = "", focus: tuple[int, str] | None = None,
                    status: int = 200) -> Response:
        working, findings = await asyncio.to_thread(_working, server)
        if working is None:
            return await broken(user, findings)
        playlist = working.playlists.get(ident)
        if playlist is None:
            return page(render("playlists_missing.html", here="afspeellijsten", user=user, ident=ident), 404)
        preview = _wake_preview(server)

        def gather():
            return (item_rows(working, playlist, preview), loop_length(working, playlist, server.clock()),
                    roundtrip.file_version(Path(working.root) / playlist.origin.file))

        items, loop, version = await asyncio.to_thread(gather)
        screens = [s.name for s in working.config.screens if s.playlist == playlist.id]
        return page(render("playlists_one.html", here="afspeellijsten", user=user, playlist=playlist, items=items,
                           loop=loop, version=version, screens=screens, file=playlist.origin.file,
                           addable=addable(working, playlist), notice=notice, problem=problem, focus=focus,
                           review=working.config.review, building=preview is None), status)

    @staff
    async def one(request: Request, user: str) -> Response:
        return await shown(user, request.path_params["id"])

    @staff
    async def change(request: Request, user: str) -> Response:
        ident = request.path_params["id"]
        form = await request.form()
        working, findings = await asyncio.to_thread(_working, server)
        if working is None:
            return await broken(user, findings)
        playlist = working.playlists.get(ident)
        if playlist is None:
            return page(render("playlists_missing.html", here="afspeellijsten", user=user, ident=ident), 404)
        try:
            notice, focus = await asyncio.to_thread(_change, server.root, working, playlist, form)
        except NarrowcastError as exc:
            return await shown(user, ident, problem=str(exc), status=409)
        if working.config.review:
            notice += " De schermen tonen dit pas als de werkmap is voorgesteld en goedgekeurd."
        return await shown(user, ident, notice=notice, focus=focus)

    return [
        Route("/studio/afspeellijsten", overview, methods=["GET"]),
        Route("/studio/afspeellijsten/{id}", one, methods=["GET"]),
        Route("/studio/afspeellijsten/{id}", change, methods=["POST"]),
    ]


def _change(root: Path, site: Site, playlist: Playlist, form) -> tuple[str, tuple[int, str] | None]:
    """Make the change a form asks for; returns the Dutch words for it and the button to focus after it (place, name)."""
    from ...content import roundtrip

    base, path = str(form.get("version", "")), Path(playlist.origin.file)
    if roundtrip.file_version(root / path) != base:  # before reading the form's places: they are the old file's
        raise roundtrip.EditConflict(f"{path.as_posix()} is intussen door iemand anders veranderd; uw wijziging is niet "
                                     "opgeslagen. Hieronder staat de lijst zoals hij nu is: breng uw wijziging nog eens aan")
    rows = {row.index: row for row in item_rows(site, playlist, None)}
    if form.get("toevoegen"):
        slide_id = str(form["toevoegen"])
        if slide_id not in site.slides:
            raise NarrowcastError(f"dia {slide_id} staat niet (meer) in de werkmap")
        roundtrip.add_playlist_slide(root, path, playlist.id, slide_id, base)
        return f"{title(site, site.slides[slide_id])} staat nu onderaan de lijst.", None
    move = next(((name, str(form[name])) for name in MOVES if form.get(name)), None)
    remove = str(form["weg"]) if form.get("weg") else None
    order = new_order(len(playlist.items), [str(v) for v in form.getlist("volgorde")], move, remove)
    roundtrip.set_playlist_items(root, path, playlist.id, order, base)
    if remove is not None:
        gone = rows[int(remove)]
        return f"{gone.title} is uit de lijst gehaald." + (" U kunt de dia hieronder weer toevoegen." if gone.slide else ""), None
    if move is not None:
        place, kind = order.index(int(move[1])), move[0]
        if (kind == "omhoog" and place == 0) or (kind == "omlaag" and place == len(order) - 1):
            kind = "omlaag" if kind == "omhoog" else "omhoog"  # that button is off there: the other one
        return f"{rows[int(move[1])].title} staat nu op plek {place + 1} van {len(order)}.", (place, kind)
    return "De nieuwe volgorde is opgeslagen.", None
