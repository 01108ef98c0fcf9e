"""`narrowcast db`: the state database: bring it up to date, or move it from SQLite to PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NarrowcastError
from .options import _root


@click.group("db")
def db() -> None:
    """The state database (users, sessions, tokens, screen keys, heartbeats, plays).

    SQLite in .state/ unless narrowcast.yaml says `database: postgresql://…` or
    $NARROWCAST_DATABASE_URL is set (docs/deploy.md)."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Run the migrations the database lacks (serve does this at its start too)."""
    from ..state.database import HEAD, current_revision, database_url, shown_url, upgrade
    from ..state.records import unusable

    url = database_url(_root(ctx.parent))
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            before = current_revision(connection)
        upgrade(engine)
    except Exception as exc:  # noqa: BLE001 - an unreachable or damaged database, said in words
        raise unusable(exc, url) from None
    finally:
        engine.dispose()
    if before == HEAD:
        click.echo(f"{shown_url(url)} is bij (versie {HEAD}).")
    else:
        click.echo(f"{shown_url(url)} bijgewerkt: versie {before or 'zonder versie'} -> {HEAD}.")


@db.command("migrate-from-sqlite")
@click.option("--from", "source", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The SQLite file to move (default: .state/narrowcast.db of the content folder).")
@click.pass_context
def db_migrate(ctx: click.Context, source: Path | None) -> None:
    """Copy every record of the SQLite file into the configured PostgreSQL database.

    The PostgreSQL tables must be empty: nothing there is overwritten. Counts are compared per
    table afterwards; the SQLite file is left as it was (keep it as a backup)."""
    from ..state.database import DB_FILE, database_url, is_postgresql, shown_url
    from ..state.migrate import copy_records

    root = _root(ctx.parent)
    target = database_url(root)
    if not is_postgresql(target):
        raise NarrowcastError("er is geen PostgreSQL-database ingesteld; zet database: postgresql://… in "
                              "narrowcast.yaml of $NARROWCAST_DATABASE_URL, en probeer het opnieuw")
    source = source or root / ".state" / DB_FILE
    if not source.is_file():
        raise NarrowcastError(f"{source} bestaat niet; geef het SQLite-bestand met --from")
    counts = copy_records(f"sqlite:///{source.resolve()}", target, progress=click.echo)
    click.echo(f"Overgezet naar {shown_url(target)}:")
    for table, (before, after) in counts.items():
        click.echo(f"  {table:12} {before:>8} -> {after:>8}")
    click.echo("Alles is overgezet; de tellingen zijn gelijk. Het SQLite-bestand is niet veranderd.")


def _engine(url: str):
    from ..state.database import _new_engine

    return _new_engine(url)
