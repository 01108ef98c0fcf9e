"""The studio's calendar: per group of screens that play the same, what plays when in the coming seven days.

`week_calendar` is the page's data, plain and pure (a Site, its screens, the notices, a moment): the
slides that start or stop each day with the hours they play, a law's moments (announcement, in
force, off the screens) and its countdown, urgent notices (running, starting, ending) and the loop
length per screen at the start. The slides come from `schedule.week.week_states`, the same as
`narrowcast schedule --week`, and the screens are grouped as it groups them. The page shows what is
live (`server.published`, the approved snapshot in review mode) or, with `?bron=werkmap`, the
working copy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...content.fields import DAY_NAMES
from ...content.lawfacts import slide_law
from ...content.model import Law, Screen, Site, law_slide_id
from ...errors import NarrowcastError
from ...schedule.loop import loop_figures
from ...schedule.plan import plan_screen
from ...schedule.week import changes_of, grouped, slide_title, week_states
from ...state.files import Notice, load_notices

if TYPE_CHECKING:
    from ..server import Server

DAYS = 7
MAX_DAYS_AWAY = 366  # ?week= within a year of today (next_change_after looks no further)
WORKING = "werkmap"  # ?bron=werkmap: the working copy instead of what is live
# What a happening is, in the page's words (B1): the kinds `week_calendar` gives.
KINDS = {
    "aankondiging": "Aankondiging op de schermen",
    "wet": "Wet gaat in",
    "wet-weg": "Wet gaat van de schermen",
    "melding-begint": "Urgente melding begint",
    "melding-stopt": "Urgente melding stopt",
}


# --- the data ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Happening:
    """A moment of a day that is not a slide's: a law's moment, an urgent notice starting or stopping."""

    at: datetime  # local
    clock: str  # "09:00"; an end at midnight closes the day before: "24:00"
    kind: str  # a key of KINDS
    text: str  # the law's name, the notice's text
    screens: tuple[str, ...] = ()  # a notice for some of the group's screens: their names (empty: all)

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def law(self) -> bool:
        return not self.kind.startswith("melding")


@dataclass(frozen=True)
class SlideHours:
    """A slide that starts or stops on a day, with the hours it plays that day."""

    slide: str
    title: str
    hours: tuple[str, ...]  # "09:00–12:00", "vanaf 14:00", "tot 10:02"
    first: datetime  # local: where it goes in the day's order


@dataclass(frozen=True)
class Day:
    day: date
    name: str  # "maandag 23 november"
    today: bool
    happenings: tuple[Happening, ...] = ()
    slides: tuple[SlideHours, ...] = ()
    countdowns: tuple[tuple[str, int], ...] = ()  # (law's name, days left) on a law's countdown slide

    @property
    def empty(self) -> bool:
        return not (self.happenings or self.slides or self.countdowns)

    @property
    def weekday(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def date_words(self) -> str:
        return self.name.split(" ", 1)[1]


@dataclass(frozen=True)
class ScreenStart:
    """A screen at the week's start: its loop, as a visitor meets it (urgent notices left out)."""

    id: str
    name: str
    loop_seconds: int
    loops: int  # loops that take turns (one language each)
    too_long: bool  # longer than the folder's wait_minutes

    @property
    def loop_words(self) -> str:
        minutes, seconds = divmod(self.loop_seconds, 60)
        return f"{minutes}:{seconds:02d} min"


@dataclass(frozen=True)
class RunningNotice:
    text: str
    until: str  # "do 26-11 17:00"
    screens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """Screens that play the same this week, and their week."""

    screens: tuple[ScreenStart, ...]
    playing: tuple[str, ...]  # the titles that play at the start
    notices: tuple[RunningNotice, ...]  # urgent notices running at the start
    days: tuple[Day, ...]

    @property
    def names(self) -> str:
        names = [s.name for s in self.screens]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} en {names[-1]}"


@dataclass(frozen=True)
class Calendar:
    start: datetime  # local
    end: datetime  # local midnight after the seventh day
    wait_minutes: int
    groups: tuple[Group, ...] = field(default_factory=tuple)

    @property
    def span_words(self) -> str:
        """The seven days: "maandag 28 december 10:00 tot en met zondag 3 januari" (no time from midnight)."""
        start = _day_name(self.start.date()) + ("" if self.start.time() == time(0) else f" {self.start:%H:%M}")
        return f"{start} tot en met {_day_name(self.end.date() - timedelta(days=1))}"


def week_calendar(site: Site, screens: Sequence[Screen], notices: Sequence[Notice], start: datetime,
                  today: date | None = None) -> Calendar:
    """The seven days from `start` (its day and six more) per group of screens that play the same."""
    tz = ZoneInfo(site.config.timezone)
    start = start.astimezone(tz)
    end = _midnight(start.date() + timedelta(days=DAYS), tz)
    notices = [n for n in notices if n.until > start and n.start < end]
    weeks = {}  # screen id → its states (without notices), and its changes as `schedule --week` groups them
    for screen in screens:
        states = list(week_states(site, screen, start, (), until=end))
        targeted = [n for n in notices if n.targets(screen.id)]
        with_notices = list(week_states(site, screen, start, targeted, until=end)) if targeted else states
        weeks[screen.id] = (states, changes_of(with_notices, site.config.language))
    groups = []
    for ids, _ in grouped({ident: changes for ident, (_, changes) in weeks.items()}):
        members = [s for s in screens if s.id in ids]
        groups.append(_group(site, members, weeks[ids[0]][0], notices, start, end, tz, today or start.date()))
    return Calendar(start, end, site.config.wait_minutes, tuple(groups))


def _group(site: Site, screens: list[Screen], states, notices, start, end, tz, today: date) -> Group:
    spans, titles = _slide_spans(site, states, end)
    laws = _laws_shown(site, screens[0].playlist)
    happenings = _law_happenings(laws, start, end, tz) + _notice_happenings(notices, screens, start, end, tz)
    days = []
    for n in range(DAYS):
        day = start.date() + timedelta(days=n)
        lo, hi = max(_midnight(day, tz), start), _midnight(day + timedelta(days=1), tz)
        days.append(Day(day, _day_name(day), day == today,
                        tuple(sorted((h for h in happenings if _day_of(h) == day), key=lambda h: h.at)),
                        _slides_on(spans, titles, lo, hi, start, end),
                        _countdowns(laws, site, day, tz)))
    playing = tuple(dict.fromkeys(slide_title(e, site.config.language) for e in states[0][1].values()))
    running = tuple(RunningNotice(n.text, _when(n.until, tz), _some(n, screens)) for n in notices
                    if n.start <= start and any(n.targets(s.id) for s in screens))
    return Group(tuple(_screen_start(site, s, start) for s in screens), playing, running, tuple(days))


def _slide_spans(site: Site, states, end: datetime) -> tuple[dict[str, list[tuple[datetime, datetime]]], dict[str, str]]:
    """Per slide, when it plays in the week (its languages together), and its Dutch title."""
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    titles: dict[str, str] = {}
    bounds = [moment for moment, _ in states[1:]] + [end]
    for (moment, shown), until in zip(states, bounds):
        for entry in shown.values():
            titles.setdefault(entry.slide.id, slide_title(entry, site.config.language))
        for ident in dict.fromkeys(entry.slide.id for entry in shown.values()):
            own = spans.setdefault(ident, [])
            if own and own[-1][1] == moment:
                own[-1] = (own[-1][0], until)
            else:
                own.append((moment, until))
    return spans, titles


def _slides_on(spans, titles, lo: datetime, hi: datetime, start: datetime, end: datetime) -> tuple[SlideHours, ...]:
    """The slides that start or stop between `lo` and `hi` (a day), with their hours that day."""
    tz = lo.tzinfo
    rows = []
    for ident, slide_spans in spans.items():
        hours, first = [], None
        for a, b in slide_spans:
            a_in, b_in = max(a, lo), min(b, hi)
            if a_in >= b_in:
                continue
            begins, ends = a > start and a == a_in, b < end and b == b_in
            if not (begins or ends):
                continue
            first = first or a_in
            from_, to = _clock(a_in, tz), _clock(b_in, tz, ending=True)
            hours.append(f"{from_}–{to}" if begins and ends else f"vanaf {from_}" if begins else f"tot {to}")
        if hours:
            rows.append(SlideHours(ident, titles[ident], tuple(hours), first.astimezone(tz)))
    return tuple(sorted(rows, key=lambda r: (r.first, r.title)))


def _laws_shown(site: Site, playlist_id: str) -> list[Law]:
    """The laws whose slides a playlist reaches: a phase, a slide tied to the law, or one it supersedes."""
    playlist = site.playlists[playlist_id]
    reached = {item.slide for item in playlist.items if item.slide}
    tags = {item.tag for item in playlist.items if item.tag}
    reached |= {s.id for s in site.slides.values() if tags & set(s.tags)}
    laws = []
    for law in site.laws.values():
        phases = {law_slide_id(law, part) for part in ("before", "after")}
        tied = any(slide_law(site.slides[i]) is law for i in reached if i in site.slides)
        if phases & reached or tied or set(law.supersedes) & reached:
            laws.append(law)
    return laws


def _law_happenings(laws: list[Law], start: datetime, end: datetime, tz) -> list[Happening]:
    out = []
    for law in laws:
        for moment, kind in ((law.announce_from, "aankondiging"), (law.effective, "wet")):
            if moment is not None and start <= moment < end:
                out.append(_happening(moment, kind, law.name, tz))
        if law.retire_after is not None and start < law.retire_after <= end:  # an end: midnight closes the day before
            out.append(_happening(law.retire_after, "wet-weg", law.name, tz, ending=True))
    return out


def _notice_happenings(notices: list[Notice], screens: list[Screen], start, end, tz) -> list[Happening]:
    out = []
    for notice in notices:
        if not any(notice.targets(s.id) for s in screens):
            continue
        some = _some(notice, screens)
        if start < notice.start < end:
            out.append(_happening(notice.start, "melding-begint", notice.text, tz, screens=some))
        if notice.until <= end:
            out.append(_happening(notice.until, "melding-stopt", notice.text, tz, ending=True, screens=some))
    return out


def _countdowns(laws: list[Law], site: Site, day: date, tz) -> tuple[tuple[str, int], ...]:
    """On a countdown law's announcement days: the days it says are left."""
    out = []
    for law in laws:
        if not law.countdown or law_slide_id(law, "before") not in site.slides:
            continue
        effective_day = law.effective.astimezone(tz).date()
        begins = law.announce_from.astimezone(tz).date() if law.announce_from else date.min
        left = (effective_day - day).days
        if begins <= day and left > 0:
            out.append((law.name, left))
    return tuple(out)


def _screen_start(site: Site, screen: Screen, start: datetime) -> ScreenStart:
    figures = loop_figures(plan_screen(site, screen, start), start)
    return ScreenStart(screen.id, screen.name, figures.loop_seconds, figures.loops,
                       figures.loop_seconds > site.config.wait_minutes * 60)


def _happening(moment: datetime, kind: str, text: str, tz, ending: bool = False, screens=()) -> Happening:
    return Happening(moment.astimezone(tz), _clock(moment, tz, ending), kind, text, screens)


def _day_of(happening: Happening) -> date:
    """The day a happening is shown on: an end at midnight closes the day before (24:00)."""
    day = happening.at.date()
    return day - timedelta(days=1) if happening.clock == "24:00" else day


def _some(notice: Notice, screens: list[Screen]) -> tuple[str, ...]:
    """The names of the group's screens a notice is for; empty when it is for all of them."""
    named = tuple(s.name for s in screens if notice.targets(s.id))
    return () if len(named) == len(screens) else named


def _midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _clock(moment: datetime, tz, ending: bool = False) -> str:
    """A local clock time; an end at midnight is 24:00 of the day before."""
    local = moment.astimezone(tz)
    return "24:00" if ending and local.time() == time(0) else f"{local:%H:%M}"


def _when(moment: datetime, tz) -> str:
    """An end as "do 26-11 17:00"; at midnight as "wo 25-11 24:00"."""
    local = moment.astimezone(tz)
    day = local - timedelta(days=1) if local.time() == time(0) else local
    return f"{DAY_NAMES[day.weekday()]} {day.day}-{day.month} {_clock(local, tz, ending=True)}"


def _day_name(day: date) -> str:
    from babel.dates import format_date

    return format_date(day, "EEEE d MMMM", locale="nl")


# --- the page ----------------------------------------------------------------------------------------

def routes(server: "Server", staff, page, render) -> list[Route]:
    @staff
    async def calendar(request: Request, user: str) -> Response:
        working = request.query_params.get("bron") == WORKING
        asked = request.query_params.get("week", "")
        site, problem = await asyncio.to_thread(_site_shown, server, working)
        now = server.clock()
        values = dict(user=user, here="kalender", working=working, review=bool(site and site.config.review),
                      problem=problem, asked=asked, unreadable=False, calendar=None, links={})
        if site is None:
            return page(render("calendar.html", **values))
        tz = ZoneInfo(site.config.timezone)
        today = now.astimezone(tz).date()
        day = _asked_day(asked, today)
        values["unreadable"] = bool(asked) and day is None
        day = day or today
        start = now if day == today else _midnight(day, tz)
        try:
            notices = await asyncio.to_thread(load_notices, server.root)
        except NarrowcastError as exc:  # a damaged urgent.json: the week without notices, and why
            notices, values["problem"] = [], f"De urgente meldingen zijn niet te lezen: {exc}"
        values["calendar"] = await asyncio.to_thread(week_calendar, site, list(site.screens.values()), notices,
                                                     start, today)
        values["links"] = _links(day, today, working)
        return page(render("calendar.html", **values))

    return [Route("/studio/kalender", calendar, methods=["GET"])]


def _site_shown(server: "Server", working: bool) -> tuple[Site | None, str]:
    """The site the page shows, or None with why not (in Dutch)."""
    if working:
        from ...content.load import load_site

        site, _ = load_site(server.root)
        return site, "" if site else "De werkmap heeft fouten, dus er is geen kalender van te maken. Zie de lijst bij Dia's."
    site = server.published.site if server.published else None
    return site, "" if site else "Er staat nog niets op de schermen: er is nog geen build gelukt."


def _asked_day(asked: str, today: date) -> date | None:
    """The day `?week=` asks for, within a year of today; None when there is none or it cannot be read."""
    try:
        day = date.fromisoformat(asked) if asked else None
    except ValueError:
        return None
    return day if day and abs((day - today).days) <= MAX_DAYS_AWAY else None


def _links(day: date, today: date, working: bool) -> dict[str, str]:
    """The addresses of the week before and after, this week, and the other source; same source, same week."""
    def at(week: date | None, work: bool) -> str:
        query = {k: v for k, v in (("week", week.isoformat() if week and week != today else ""),
                                   ("bron", WORKING if work else "")) if v}
        return "/studio/kalender" + (f"?{urlencode(query)}" if query else "")

    return {"previous": at(day - timedelta(days=DAYS), working), "next": at(day + timedelta(days=DAYS), working),
            "today": at(None, working) if day != today else "", "other": at(day, not working)}
