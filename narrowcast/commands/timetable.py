"""`narrowcast schedule`: what plays where now, and what changes in the coming week."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..content.load import load_site_or_raise
from ..errors import NarrowcastError
from ..schedule.plan import live_items, next_change_after
from ..state.files import active_notices

WEEK = timedelta(days=7)
_DAYS_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")


def _when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{_DAYS_NL[local.weekday()]} {local:%d-%m %H:%M}"


def now_rows(site, screen, at, notices) -> list[dict]:
    return [{"id": e.item_id, "title": e.title, "lang": e.lang, "duration": e.duration,
             "priority": e.priority, "interrupt": e.interrupt} for e in live_items(site, screen, at, notices)]


def week_changes(site, screen, at: datetime, notices) -> list[dict]:
    """Each moment in the next seven days when the screen's playlist changes, with what comes and goes."""
    changes, moment = [], at
    before = {e.item_id for e in live_items(site, screen, at, notices)}
    while (moment := next_change_after(site, screen, moment, notices)) and moment < at + WEEK:
        after = {e.item_id for e in live_items(site, screen, moment, notices)}
        if after != before:
            changes.append({"at": moment.isoformat(), "added": sorted(after - before), "removed": sorted(before - after)})
        before = after
    return changes


def print_timetable(root: Path, at: datetime, screen_id: str | None, week: bool, fmt: str) -> None:
    site, _ = load_site_or_raise(root)
    if screen_id and screen_id not in site.screens:
        raise NarrowcastError(f"onbekend scherm '{screen_id}'; kies uit: {', '.join(site.screens)}")
    screens = [site.screens[screen_id]] if screen_id else list(site.screens.values())
    notices = active_notices(root, at)
    tz = ZoneInfo(site.config.timezone)
    result = {s.id: (week_changes if week else now_rows)(site, s, at, notices) for s in screens}
    if fmt == "json":
        click.echo(json.dumps({"at": at.isoformat(), "week": week, "screens": result}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for screen in screens:
        if week:
            table = Table(title=f"{screen.id}: wijzigingen vanaf {_when(at, tz)}")
            for column in ("moment", "erbij", "eraf"):
                table.add_column(column)
            for change in result[screen.id]:
                table.add_row(_when(datetime.fromisoformat(change["at"]), tz), "\n".join(change["added"]), "\n".join(change["removed"]))
        else:
            table = Table(title=f"{screen.id} op {at.astimezone(tz):%Y-%m-%d %H:%M}")
            for column in ("id", "titel", "taal", "sec"):
                table.add_column(column)
            for row in result[screen.id]:
                table.add_row(row["id"], row["title"], row["lang"], str(row["duration"]))
        console.print(table)
