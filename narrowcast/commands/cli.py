"""The `narrowcast` command: one small function per command, heavy imports inside them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import NarrowcastError
from .options import _local_minute, _moment, _root
from .preview import preview
from .publishing import COMMANDS as PUBLISHING_COMMANDS
from .database import db
from .users import user


class _Group(click.Group):
    """Shows a user's mistake as 'Fout: …' with exit code 1, never as a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NarrowcastError as exc:
            click.echo(f"Fout: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Content folder (default: this folder or the nearest parent with narrowcast.yaml).")
@click.version_option(package_name="narrowcast")
@click.pass_context
def cli(ctx: click.Context, folder: Path | None) -> None:
    """narrowcast: plain-language slides for waiting-room screens.

    Run the commands in a content folder (one with narrowcast.yaml), or point at one with -C.
    """
    ctx.obj = folder


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output for people or for machines.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--no-render", is_flag=True, help="Skip the legibility checks that need the rendered slides.")
@click.option("--at", "at", metavar="MOMENT", help="Check what is scheduled at this moment (default: now).")
@click.pass_context
def check(ctx: click.Context, fmt: str, strict: bool, no_render: bool, at: str | None) -> None:
    """Check all content: schema, references, plain language, tone, reading time, legibility.

    Exit code 0 when clean or warnings only, 1 on errors (or on warnings with --strict).
    """
    from .check import format_findings, print_report, run_checks

    root = _root(ctx)
    site, findings = run_checks(root, _moment(root, at), render=not no_render)
    failed = any(f.is_error or strict for f in findings)
    if fmt == "json":
        click.echo(json.dumps(format_findings(findings, root, site), ensure_ascii=False, indent=2))
    else:
        print_report(site, findings, failed)
    sys.exit(1 if failed else 0)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the schema files (default: schemas/ in the content folder).")
@click.pass_context
def schema(ctx: click.Context, out: Path | None) -> None:
    """Write a JSON Schema for each YAML file kind, for editors, and for manifest.json and index.json.

    Put '# yaml-language-server: $schema=../schemas/slide.schema.json' at the top of a slide file
    and editors such as VS Code complete and check the fields as you type.
    """
    from ..content.schema import write_schemas
    from ..publish.manifest import write_schemas as write_output_schemas

    if out is None:
        out = _root(ctx) / "schemas"
    for path in write_schemas(out) + write_output_schemas(out):
        click.echo(f"geschreven: {path}")


@cli.command()
@click.option("--at", "at", metavar="MOMENT", help="Build the state at this moment, e.g. '2027-01-01 09:00' (needs --out).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build into this folder instead of the live output/.")
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True, help="Browser pages rendering in parallel.")
@click.option("--no-cache", is_flag=True, help="Render and check every slide again; the caches in .narrowcast-cache/ are left as they are.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--force", is_flag=True, help="Publish despite plain-language errors (needs --reason; it is recorded).")
@click.option("--reason", metavar="TEXT", help="Why the errors are published anyway (recorded in .state/forced.jsonl).")
@click.pass_context
def build(ctx: click.Context, at: str | None, out: Path | None, jobs: int, no_cache: bool, quiet: bool, force: bool,
          reason: str | None) -> None:
    """Render what changed and publish output/ atomically.

    Checks the content first: on errors nothing is published and the live output/ stays as it was.
    With --at and --out it builds the state at that moment into another folder, never into output/.
    """
    from ..render.cache import RenderCache
    from ..render.pool import RenderPool, likely_to_render

    root = _root(ctx).resolve()
    if at and out is None:
        raise NarrowcastError("--at bouwt nooit in de live output/; geef ook --out MAP")
    # A moment given is checked before anything starts; "now" needs the model's imports, which
    # then overlap Chromium's start: the driver starts first, as the rest of narrowcast loads.
    now = _moment(root, at) if at else None
    early = likely_to_render(root, RenderCache.beside(root / "output", enabled=not no_cache))
    with RenderPool(jobs, start=early) as renderer:
        from ..publish.build import BuildOptions, build as run_build
        from .terminal import progress_bar

        now = now or _moment(root, None)
        with progress_bar("Dia's maken", disabled=quiet) as progress:
            options = BuildOptions(out=out, force=_force_reason(force, reason), cache=not no_cache, progress=progress)
            report = run_build(root, now, options, renderer)
        # Leaving the block closes Chromium: after publishing, so screens never wait for it.
    from ..publish.source import live_source

    source = live_source(root)
    if source.review and source.publication is not None:
        click.echo(f"Gebouwd uit publicatie {source.publication.seq}, de goedgekeurde inhoud (publishing: review); "
                   "regelnummers gaan over die versie. De werkmap gaat pas live na goedkeuring.")
    for finding in report.findings:
        click.echo(str(finding))
    click.echo(f"Klaar: {report.screens} schermen, {report.items} items; {report.rendered} dia's gemaakt, "
               f"{report.cached} uit de cache; {report.seconds:.1f} s -> {report.out}")


def _force_reason(force: bool, reason: str | None) -> str | None:
    if reason is not None and not force:
        raise NarrowcastError("--reason hoort bij --force: zonder --force wordt er niets geforceerd")
    if force and not (reason and reason.strip()):
        raise NarrowcastError("--force vraagt om een reden: --reason \"waarom dit toch moet\"")
    return reason.strip() if force else None


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Create a new content folder with the example slides, playlists, a law change and a theme."""
    from .example import copy_example

    copy_example(folder)
    click.echo(f"Nieuwe inhoudsmap: {folder} (publishing: review: schermen tonen alleen goedgekeurde inhoud)\n"
               f"Volgende stappen: cd {folder} && narrowcast check\n"
               "  narrowcast user add NAAM --role redacteur       (wie dia's maakt en voorstelt)\n"
               "  narrowcast user add NAAM --role eindredacteur   (wie goedkeurt: een ander dan wie voorstelt)\n"
               "  narrowcast publish --user NAAM, daarna narrowcast approve ID --user NAAM, en narrowcast serve")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 opens it to the LAN.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True, help="Browser pages rendering in parallel.")
@click.option("--at", "at", metavar="MOMENT", hidden=True, help="Run the clock from this moment (previews and tests).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, jobs: int, at: str | None) -> None:
    """Serve manifests, media and the player; rebuild on save and on schedule; push new versions.

    Screens open http://HOST:PORT/player/?screen=ID (with &key=… under `screen_keys: required`:
    screens without a key get one at start, printed once). The first build happens at start, so a
    server that was down catches up at once.
    """
    from ..content.load import load_config, site_timezone
    from ..state.database import shown_url
    from ..state.records import Records
    from ..state.screenkeys import player_lines
    from ..serve.run import run
    from ..serve.server import shifted_clock, system_clock

    root = _root(ctx)
    clock = shifted_clock(_moment(root, at)) if at else system_clock(site_timezone(root))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"narrowcast serve: {root}")
    config = load_config(root)
    if config is not None:  # otherwise the first build says what is wrong
        records = Records(root)
        try:
            for line in player_lines(f"http://{shown}:{port}", config, records):
                click.echo(line)
            if records.postgresql:
                click.echo(f"  database: {shown_url(records.url)} (meerdere servers: één bouwt, zie /healthz)")
        finally:
            records.close()
    click.echo(f"  gezondheid: http://{shown}:{port}/healthz   (stoppen: Ctrl+C)")
    run(root, host, port, clock, jobs)


@cli.command()
@click.argument("text", required=False)
@click.option("--screens", help="Comma-separated screen ids (default: every screen).")
@click.option("--until", "until", metavar="MOMENT",
              help="When it ends: 17:00 (today), 2u/90m (from now), 2026-12-03 (all that day), '2026-12-03 17:00'.")
@click.option("--icon", default="informatie", show_default=True, help="Icon word for the notice.")
@click.option("--translation", "translations", multiple=True, metavar="LANG=TEXT",
              help="The notice in another language: en='The office is closed today' (once per language).")
@click.option("--cancel", "cancel", metavar="ID", help="End a running notice now.")
@click.option("--list", "show", is_flag=True, help="List running notices.")
@click.option("--force", is_flag=True, help="Publish despite plain-language errors (needs --reason; it is recorded).")
@click.option("--reason", metavar="TEXT", help="Why the errors are published anyway.")
@click.option("--at", "at", metavar="MOMENT", hidden=True, help="Act as if it were this moment (tests, with serve --at).")
@click.pass_context
def urgent(ctx: click.Context, text: str | None, screens: str | None, until: str | None, icon: str,
           translations: tuple[str, ...], cancel: str | None, show: bool, force: bool, reason: str | None, at: str | None) -> None:
    """Show an urgent notice on screens now; it ends by itself at --until (default: the end of today).

    The notice is checked like any slide and published at once (a running `narrowcast serve`
    announces it to the screens within seconds). It is kept in the state folder (.state/), not
    in the content files.
    """
    from ..content.load import site_timezone
    from ..publish.urgent import cancel_notice, list_notices, parse_translations, parse_until, publish_notice
    from ..render.pool import RenderPool

    root = _root(ctx)
    now = _moment(root, at)
    if show:
        for notice in list_notices(root, now):
            click.echo(f"{notice.id}  tot {_local_minute(root, notice.until)}  {', '.join(notice.screens) or 'alle schermen'}: {notice.text}")
        return
    if cancel:
        with RenderPool(start=False) as renderer:  # a notice's slide is seldom in the cache; most others are
            notice = cancel_notice(root, cancel, now, renderer)
        click.echo(f"Melding {notice.id} is beëindigd en van de schermen gehaald.")
        return
    if not text:
        raise NarrowcastError("geef de tekst van de melding, bijvoorbeeld: narrowcast urgent \"Het Werkplein is vanmiddag gesloten.\"")
    until_moment, note = parse_until(until, now, site_timezone(root)) if until is not None else (None, None)
    if note:  # a clock time that daylight saving skips or repeats
        click.echo(f"Let op: --until: {note}", err=True)
    translated, forced = parse_translations(translations), _force_reason(force, reason)  # before Chromium starts
    with RenderPool() as renderer:
        notice = publish_notice(root, text, now, renderer, until=until_moment,
                                screens=[s.strip() for s in screens.split(",")] if screens else [], icon=icon,
                                force=forced, translations=translated)
    also = f" (ook in: {', '.join(lang for lang, _ in notice.translations)})" if notice.translations else ""
    click.echo(f"Melding {notice.id}{also} staat op {', '.join(notice.screens) or 'alle schermen'} "
               f"tot {_local_minute(root, notice.until)}. Stoppen: narrowcast urgent --cancel {notice.id}")


@cli.command(name="schedule")
@click.option("--at", "at", metavar="MOMENT", help="The moment to show (default: now).")
@click.option("--screen", "screen_id", metavar="ID", help="Only this screen.")
@click.option("--week", is_flag=True, help="The changes of the next seven days, per screen.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--working", is_flag=True,
              help="With publishing: review, the working copy (not yet approved) instead of what is live.")
@click.pass_context
def schedule_command(ctx: click.Context, at: str | None, screen_id: str | None, week: bool, fmt: str,
                     working: bool) -> None:
    """What plays where, when: now (or --at), with each screen's loop length and how often each
    item plays per hour; or the next seven days' changes by title (--week), per group of screens
    that play the same.

    With publishing: review it shows the approved content, the one screens get; --working shows
    the working copy as it would play once approved.
    """
    from .timetable import print_timetable

    root = _root(ctx)
    print_timetable(root, _moment(root, at), screen_id, week, fmt, working)


@cli.command(name="translations")
@click.argument("languages", nargs=-1, metavar="[TAAL]...")
@click.option("--mark", "slide_id", metavar="DIA", help="Record that this slide's translations (or only TAAL ...) fit its Dutch text now.")
@click.option("--mark-all", is_flag=True, help="Record it for every translation (or every one in TAAL ...).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def translations_command(ctx: click.Context, languages: tuple[str, ...], slide_id: str | None, mark_all: bool,
                         fmt: str) -> None:
    """Per slide and language: bijgewerkt, verouderd (the Dutch changed), onbekend or half.

    --mark writes 'source: <hash of the Dutch text>' into the translation's block in the YAML
    file, keeping its comments and layout; `check` warns once the Dutch text changes again.
    """
    from .translations import mark, print_status

    root = _root(ctx)
    if slide_id and mark_all:
        raise NarrowcastError("kies --mark DIA of --mark-all, niet allebei")
    if slide_id or mark_all:
        mark(root, slide_id, languages, fmt)
    elif languages:
        raise NarrowcastError(f"talen ({' '.join(languages)}) horen bij --mark DIA of --mark-all")
    else:
        print_status(root, fmt)


@cli.command()
def icons() -> None:
    """List the icon words: the Dutch words and the Lucide icon each one shows."""
    from ..assets import icons as icon_set

    catalog = icon_set.catalog()
    for word in icon_set.dutch_words():
        click.echo(f"{word:<16} {catalog.get(word, '?')}")
    click.echo(f"\nDe Lucide-namen zelf werken ook ({len(set(catalog.values()))} iconen); zie https://lucide.dev/icons.")


@cli.command("screen-key")
@click.argument("screen")
@click.pass_context
def screen_key(ctx: click.Context, screen: str) -> None:
    """Give a screen a new key (its old key stops working); its player URL carries it as &key=…."""
    from ..content.load import load_site_or_raise
    from ..state.records import Records

    root = _root(ctx)
    site, _ = load_site_or_raise(root)
    if screen not in site.screens:
        raise NarrowcastError(f"onbekend scherm '{screen}'; kies uit: {', '.join(site.screens)}")
    key = Records(root).new_screen_key(screen)
    click.echo(f"Sleutel voor {screen} (wordt maar één keer getoond; een vorige sleutel werkt niet meer):\n{key}\n"
               f"Speler, achter het adres van de server (zoals http://SERVER:8080): /player/?screen={screen}&key={key}")


@cli.command()
@click.option("--from", "since", metavar="MOMENT", required=True, help="Start, e.g. 2026-11-01.")
@click.option("--to", "until", metavar="MOMENT", required=True, help="End (a date includes that whole day).")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", help="CSV file (default: the terminal).")
@click.pass_context
def report(ctx: click.Context, since: str, until: str, out) -> None:
    """Proof of play as CSV: per screen and slide, how often and how many seconds it was shown."""
    from ..state.records import Records
    from .report import write_report

    root = _root(ctx)
    start, end = _moment(root, since, "--from"), _moment(root, until, "--to", end_of_day=True)
    rows = write_report(Records(root), start, end, out)
    click.echo(f"{rows} regels", err=True)


cli.add_command(user)
cli.add_command(preview)
cli.add_command(db)
for _command in PUBLISHING_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="narrowcast")
