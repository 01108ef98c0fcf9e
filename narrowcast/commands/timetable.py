"""`narrowcast schedule`: what plays where now (with the loop's length), and what changes in the coming week."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..content.fields import DAY_NAMES
from ..content.load import load_site_or_raise
from ..errors import NarrowcastError
from ..publish.source import live_source
from ..schedule.loop import loop_figures
from ..schedule.plan import live_in, plan_screen
from ..schedule.week import grouped, week_changes
from ..state.files import active_notices


def _when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{DAY_NAMES[local.weekday()]} {local:%d-%m %H:%M}"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def screen_now(site, screen, at, notices) -> dict:
    """What a screen plays at `at`: the loop's length, how many loops rotate, and each live item with its plays per hour."""
    plan = plan_screen(site, screen, at, notices)
    figures = loop_figures(plan, at)
    rows = [{"id": e.item_id, "title": e.title, "lang": e.lang, "also": e.also, "duration": e.duration,
             "priority": e.priority, "interrupt": e.interrupt, "plays_per_hour": figures.plays_per_hour.get(e.item_id, 0)}
            for e in live_in(plan, at)]
    return {"loop_seconds": figures.loop_seconds, "loops": figures.loops,
            "language_mode": plan.languages.mode if plan.languages else "sequential", "items": rows}


def print_timetable(root: Path, at: datetime, screen_id: str | None, week: bool, fmt: str,
                    working: bool = False) -> None:
    folder, shown = _content_shown(root, working)
    site, _ = load_site_or_raise(folder)
    if screen_id and screen_id not in site.screens:
        raise NarrowcastError(f"onbekend scherm '{screen_id}'; kies uit: {', '.join(site.screens)}")
    screens = [site.screens[screen_id]] if screen_id else list(site.screens.values())
    notices = active_notices(root, at)
    tz = ZoneInfo(site.config.timezone)
    result = {s.id: (week_changes if week else screen_now)(site, s, at, notices) for s in screens}
    if fmt == "json":
        click.echo(json.dumps({"at": at.isoformat(), "week": week, "content": shown, "screens": result},
                              ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    console = Console()
    console.print(_content_line(shown), highlight=False)
    for names, value in grouped(result):
        console.print(_week_table(names, value, at, tz) if week else _now_table(names, value, at, tz, site))


def _content_shown(root: Path, working: bool) -> tuple[Path, dict]:
    """The folder to plan (the live source, or the working copy with --working) and what it is."""
    source = live_source(root)
    if working or not source.review:
        return root, {"kind": "werkmap" if source.review else "live", "publication": None}
    if source.folder is None:
        raise NarrowcastError("er is nog niets goedgekeurd, dus er speelt nog niets van deze map (publishing: review). "
                              "Wat de werkmap zou spelen zie je met 'narrowcast schedule --working'")
    return source.folder, {"kind": "live", "publication": source.publication.seq}


def _content_line(shown: dict) -> str:
    if shown["kind"] == "werkmap":
        return "Werkmap (nog niet goedgekeurd): zo speelt het zodra het is goedgekeurd."
    if shown["publication"] is None:
        return "Wat live staat (publishing: direct: de werkmap zelf)."
    return f"Wat live staat: publicatie {shown['publication']} (de werkmap zie je met --working)."


def _week_table(names, changes, at, tz):
    from rich.table import Table

    table = Table(title=f"{', '.join(names)}: wijzigingen vanaf {_when(at, tz)}")
    for column in ("moment", "erbij", "eraf"):
        table.add_column(column)
    for change in changes:
        table.add_row(_when(datetime.fromisoformat(change["at"]), tz), "\n".join(change["added"]), "\n".join(change["removed"]))
    if not changes:
        table.add_row("—", "geen wijzigingen deze week", "")
    return table


def _now_table(names, now, at, tz, site):
    from rich.table import Table

    wait = site.config.wait_minutes * 60
    loops = f", {now['loops']} rondes om de beurt" if now["loops"] > 1 else ""
    over = " — langer dan de wachttijd" if now["loop_seconds"] > wait else ""
    table = Table(title=f"{', '.join(names)} op {at.astimezone(tz):%Y-%m-%d %H:%M}",
                  caption=f"één ronde: {_minutes(now['loop_seconds'])} min{loops} "
                          f"(wachttijd {site.config.wait_minutes} min){over}")
    for column in ("id", "titel", "taal", "sec", "per uur"):
        table.add_column(column)
    for row in now["items"]:
        lang = f"{row['lang']}+{row['also']}" if row["also"] else row["lang"]
        table.add_row(row["id"], row["title"], lang, str(row["duration"]), f"{row['plays_per_hour']:g}")
    return table
