"""What several commands share: the content folder, moments from the command line, local times."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NarrowcastError


def _root(ctx: click.Context) -> Path:
    from ..folder import find_root

    return find_root(ctx.obj or Path.cwd())


def _moment(root: Path, text: str | None, option: str = "--at", *, end_of_day: bool = False):
    """A moment from the command line in the folder's timezone; now when not given. A clock time
    that daylight saving skips or repeats is taken, with a notice saying what it became."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pydantic_core import PydanticCustomError

    from ..content.fields import local_time_note, parse_moment
    from ..content.load import site_timezone

    tz = site_timezone(root)
    if text is None:
        return datetime.now(ZoneInfo(tz))
    try:
        moment = parse_moment(text, tz, end_of_day=end_of_day)
    except PydanticCustomError as exc:
        raise NarrowcastError(f"{option}: {exc.message()}") from None
    if note := local_time_note(moment):
        click.echo(f"Let op: {option}: {note}", err=True)
    return moment


def _local_minute(root: Path, moment) -> str:
    from zoneinfo import ZoneInfo

    from ..content.load import site_timezone

    return f"{moment.astimezone(ZoneInfo(site_timezone(root))):%Y-%m-%d %H:%M}"
