"""`narrowcast preview`: the working copy on its own port, with live reload; never touches output/."""

from __future__ import annotations

import click

from .options import _local_minute, _moment, _root


@click.command()
@click.option("--port", default=8081, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--at", "at", metavar="MOMENT",
              help="Show the state at this moment, e.g. '2027-01-01 09:00' (default: now); the clock runs on from there.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The preview has no login: 0.0.0.0 shows the drafts to the whole LAN.")
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True, help="Browser pages rendering in parallel.")
@click.pass_context
def preview(ctx: click.Context, port: int, at: str | None, host: str, jobs: int) -> None:
    """Preview the working copy: every slide at every screen size with its findings, a contact sheet per
    playlist, and each screen's player at the moment (--at); it reloads by itself after each save.

    Also in review mode it shows the working copy, not what is approved. It builds into
    .state/preview/ and never touches output/, so the screens never see it.
    """
    from ..content.load import site_timezone
    from ..serve.run import run
    from ..serve.server import shifted_clock, system_clock

    root = _root(ctx)
    moment = _moment(root, at) if at else None
    clock = shifted_clock(moment) if moment else system_clock(site_timezone(root))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"narrowcast preview: {root}")
    if moment:
        click.echo(f"  moment: {_local_minute(root, moment)} (de klok loopt vanaf daar)")
    click.echo(f"  voorbeeld: http://{shown}:{port}/preview/   (stoppen: Ctrl+C)")
    run(root, host, port, clock, jobs, preview=True)
