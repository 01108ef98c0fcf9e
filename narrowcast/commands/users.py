"""`narrowcast user`: accounts for the dashboard and its actions (stored hashed in the state folder)."""

from __future__ import annotations

import sys

import click

from ..errors import NarrowcastError
from ..state.records import ROLES
from .options import _local_minute, _moment, _root


@click.group()
def user() -> None:
    """Accounts for the dashboard and its actions (stored hashed in the state folder)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="redacteur: edit and propose (the default for a new user); eindredacteur: also approve, reject, "
                   "publish, roll back, urgent notices; beheerder: also users, screens and keys. "
                   "An existing user keeps their role unless this is given.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str | None, password_stdin: bool) -> None:
    """Add a user, or set a new password (and role) for an existing one."""
    from ..state.records import Records

    root = _root(ctx.parent)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Nog een keer")
    if len(password) < 10:
        raise NarrowcastError("kies een wachtwoord van minstens 10 tekens")
    records = Records(root)
    now = _moment(root, None)
    ended = records.set_user(name, password, now, role)
    click.echo(f"Gebruiker {name} ({records.role(name)}) kan nu inloggen op /dashboard.")
    tokens = sum(t.user == name for t in records.tokens(now))
    if ended or tokens:
        click.echo(f"{ended} ingelogde sessies van {name} zijn beëindigd. API-tokens blijven geldig ({tokens}); "
                   f"intrekken: narrowcast user token {name} --revoke")


@user.command("token")
@click.argument("name")
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True, help="Days until the token expires.")
@click.option("--revoke", is_flag=True, help="End this user's tokens instead (all of them, or the one given with --id).")
@click.option("--id", "token_id", metavar="ID", help="With --revoke: only the token with this id (see 'user list').")
@click.option("--at", "at", metavar="MOMENT", hidden=True, help="Act as if it were this moment (tests).")
@click.pass_context
def user_token(ctx: click.Context, name: str, days: int, revoke: bool, token_id: str | None, at: str | None) -> None:
    """A new API token for a user (send it as 'Authorization: Bearer TOKEN'); shown once, stored hashed."""
    from ..state.records import Records

    root = _root(ctx.parent)
    records = Records(root)
    if name not in records.users():
        raise NarrowcastError(f"gebruiker {name} bestaat niet; maak hem eerst met 'narrowcast user add {name}'")
    if revoke:
        ended = records.revoke_tokens(name, token_id)
        if token_id and not ended:
            raise NarrowcastError(f"{name} heeft geen token met id {token_id}; zie 'narrowcast user list'")
        click.echo(f"{ended} token(s) van {name} ingetrokken.")
        return
    from datetime import timedelta

    now = _moment(root, at)
    click.echo(records.new_token(name, now, days))
    click.echo(f"Geldig tot {_local_minute(root, now + timedelta(days=days))}; wordt maar één keer getoond.", err=True)


@user.command("list")
@click.option("--at", "at", metavar="MOMENT", hidden=True, help="Act as if it were this moment (tests).")
@click.pass_context
def user_list(ctx: click.Context, at: str | None) -> None:
    """List the users with their roles, each with their valid API tokens (id and expiry; never the token itself)."""
    from ..state.records import Records

    root = _root(ctx.parent)
    records = Records(root)
    tokens = records.tokens(_moment(root, at))
    for name in records.users():
        click.echo(f"{name}  ({records.role(name)})")
        for token in (t for t in tokens if t.user == name):
            click.echo(f"  token {token.id}  verloopt {_local_minute(root, token.expires)}")
