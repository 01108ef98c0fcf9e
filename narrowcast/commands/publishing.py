"""`narrowcast publish`, `proposals`, `approve`, `reject`, `history`, `rollback`: four-eyes publishing.

The command line trusts `--user`: whoever can run commands in the content folder can change its
files anyway. The server checks the same rules behind a login (serve/publishing.py).
"""

from __future__ import annotations

import json
import sys

import click

from .options import _local_minute, _moment, _root

_USER = click.option("--user", "user", metavar="NAAM", required=True, help="Who does this (a user from 'narrowcast user add').")
_AT = click.option("--at", "at", metavar="MOMENT", hidden=True, help="Act as if it were this moment (tests).")
_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")


def _run(root, decide, now):
    """Decide and build the step here, one step at a time (review/flow.run_step)."""
    from ..render.pool import RenderPool
    from ..review.flow import run_step

    with RenderPool() as renderer:
        return run_step(root, decide, now, renderer)


@click.command()
@_USER
@click.option("--message", "-m", metavar="TEKST", help="What changes and why, for the colleague who approves.")
@click.option("--force", is_flag=True, help="Propose despite check errors (needs --reason; it is recorded).")
@click.option("--reason", metavar="TEXT", help="Why the errors are proposed anyway.")
@_AT
@click.pass_context
def publish(ctx: click.Context, user: str, message: str | None, force: bool, reason: str | None, at: str | None) -> None:
    """Propose the working copy for publication (publishing: review), or publish it.

    It publishes at once with publishing: direct, and for an eindredacteur when four_eyes is
    false. The content is checked like a build: errors stop it unless forced with a reason.
    """
    from ..review.flow import publish_step
    from .cli import _force_reason

    root = _root(ctx)
    now = _moment(root, at)
    forced = _force_reason(force, reason)
    record = _run(root, lambda: publish_step(root, user, now, message, forced), now)
    if record.kind == "publicatie":
        click.echo(f"Gepubliceerd (publicatie {record.seq}): {len(record.screens or {})} schermen hebben de nieuwe "
                   "inhoud. Terugzetten kan met: narrowcast rollback ID --user NAAM")
        return
    click.echo(f"Voorstel {record.seq} staat klaar. Een eindredacteur (niet jijzelf) keurt het goed met:\n"
               f"  narrowcast approve {record.seq} --user NAAM\nof wijst het af met:\n"
               f"  narrowcast reject {record.seq} --user NAAM --reason \"…\"")
    _show_changes(root, now, record.seq)


def _show_changes(root, now, seq: int) -> None:
    from ..review.listing import proposal_data

    for shown in proposal_data(root, now):
        if shown["id"] == seq:
            click.echo("Wat er verandert:")
            for line in shown["change_lines"]:
                click.echo(f"  {line}")


@click.command()
@_FORMAT
@_AT
@click.pass_context
def proposals(ctx: click.Context, fmt: str, at: str | None) -> None:
    """The open proposals, newest first, each with what it changes in words."""
    from ..review.listing import proposal_data

    root = _root(ctx)
    shown = proposal_data(root, _moment(root, at))
    if fmt == "json":
        click.echo(json.dumps({"proposals": shown}, ensure_ascii=False, indent=2))
        return
    if not shown:
        click.echo("Er staan geen voorstellen open.")
    for proposal in shown:
        state = " (VEROUDERD: de inhoud is daarna gewijzigd; stel opnieuw voor)" if proposal["status"] == "verouderd" else ""
        said = f": {proposal['message']}" if proposal["message"] else ""
        click.echo(f"Voorstel {proposal['id']}{state} van {proposal['by'] or '?'}, "
                   f"{_local_minute(root, _when(proposal['at']))}{said}")
        if proposal["forced"]:
            click.echo(f"  ondanks fouten, want: {proposal['forced']}")
        for line in proposal["change_lines"]:
            click.echo(f"  {line}")


def _when(stamp: str):
    from datetime import datetime

    return datetime.fromisoformat(stamp)


@click.command()
@click.argument("proposal_id", metavar="ID", type=int)
@_USER
@_AT
@click.pass_context
def approve(ctx: click.Context, proposal_id: int, user: str, at: str | None) -> None:
    """Approve a proposal: its content goes live on the screens (four eyes: not your own)."""
    from ..review.flow import approve_step

    root = _root(ctx)
    now = _moment(root, at)
    record = _run(root, lambda: approve_step(root, proposal_id, user, now), now)
    click.echo(f"Voorstel {proposal_id} is goedgekeurd en gepubliceerd (publicatie {record.seq}, "
               f"{len(record.screens or {})} schermen). Terugzetten: narrowcast rollback ID --user NAAM")


@click.command()
@click.argument("proposal_id", metavar="ID", type=int)
@_USER
@click.option("--reason", metavar="TEKST", required=True, help="What has to change, for the proposer.")
@_AT
@click.pass_context
def reject(ctx: click.Context, proposal_id: int, user: str, reason: str, at: str | None) -> None:
    """Turn a proposal down, with the reason (the proposer may withdraw their own this way)."""
    from ..review.flow import reject as reject_proposal

    root = _root(ctx)
    record = reject_proposal(root, proposal_id, user, reason, _moment(root, at))
    click.echo(f"Voorstel {proposal_id} is afgewezen (record {record.seq}). Er is niets gepubliceerd.")


@click.command()
@click.argument("publication_id", metavar="ID", type=int)
@_USER
@_AT
@click.pass_context
def rollback(ctx: click.Context, publication_id: int, user: str, at: str | None) -> None:
    """Publish an earlier publication again (see 'narrowcast history'); itself recorded as a publication."""
    from ..review.flow import rollback_step

    root = _root(ctx)
    now = _moment(root, at)
    record = _run(root, lambda: rollback_step(root, publication_id, user, now), now)
    click.echo(f"Publicatie {publication_id} staat weer live (publicatie {record.seq}).")


@click.command()
@_FORMAT
@click.option("--verify", is_flag=True, help="Check that no record was changed, removed or moved (exit 1 if one was).")
@click.pass_context
def history(ctx: click.Context, fmt: str, verify: bool) -> None:
    """Every proposal, rejection and publication, newest first: who, when, what and why."""
    from ..review.listing import history_data, verify_data

    root = _root(ctx)
    if verify:
        checked = verify_data(root)
        for problem in checked["problems"]:
            click.echo(f"Fout: {problem}", err=True)
        if fmt == "json":
            click.echo(json.dumps(checked, ensure_ascii=False, indent=2))
        elif not checked["problems"] and checked["head"]:
            click.echo(f"Het logboek klopt: {checked['head']['seq']} records, de opgeslagen inhoud ook. Laatste record "
                       f"{checked['head']['seq']}, hash {checked['head']['hash']}\n(noteer die buiten deze server: wie "
                       ".state helemaal kan herschrijven, kan ook een kloppende keten maken; deze hash verandert dan)")
        elif not checked["problems"]:
            click.echo("Het logboek is nog leeg.")
        sys.exit(1 if checked["problems"] else 0)
    shown = history_data(root)
    if fmt == "json":
        click.echo(json.dumps({"history": shown}, ensure_ascii=False, indent=2))
        return
    if not shown:
        click.echo("Er is nog niets voorgesteld of gepubliceerd.")
    for entry in shown:
        click.echo(f"{entry['id']:>4}  {_local_minute(root, _when(entry['at']))}  {_describe(entry)}")


_ROLES_SAID = {"voorgesteld": "voorgesteld door", "goedgekeurd": "goedgekeurd door", "gepubliceerd": "gepubliceerd door",
               "afgewezen": "afgewezen door", "teruggezet": "teruggezet door"}


def _describe(entry: dict) -> str:
    named = entry["people"] or {}
    people = ", ".join(f"{said} {named[role]}" for role, said in _ROLES_SAID.items() if role in named) \
        or "namen verwijderd (bewaartermijn)"
    what = {"voorstel": "voorstel", "afwijzing": f"afwijzing van voorstel {entry['proposal']}",
            "publicatie": "publicatie"}[entry["kind"]]
    if entry["rollback_of"]:
        what = f"publicatie (terug naar {entry['rollback_of']})"
    elif entry["kind"] == "publicatie" and entry["proposal"]:
        what = f"publicatie van voorstel {entry['proposal']}"
    extra = "".join(f"; {label}: {entry[key]}" for key, label in
                    (("message", "bericht"), ("reason", "reden"), ("forced", "ondanks fouten")) if entry[key])
    return f"{what}, {people}{extra}"


COMMANDS = (publish, proposals, approve, reject, history, rollback)
