"""The `narrowcast` command: one small function per command, heavy imports inside them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import NarrowcastError


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


def _root(ctx: click.Context) -> Path:
    from .load import find_root

    return find_root(ctx.obj or Path.cwd())


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Output for people or for machines.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_context
def check(ctx: click.Context, fmt: str, strict: bool) -> None:
    """Check all content: schema, references, icons, images, dates.

    Exit code 0 when clean or warnings only, 1 on errors (or on warnings with --strict).
    """
    from .checking import run_checks, format_findings

    root = _root(ctx)
    findings = run_checks(root)
    failed = any(f.is_error or strict for f in findings)
    if fmt == "json":
        click.echo(json.dumps(format_findings(findings, root), ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(_summary_line(findings, failed))
    sys.exit(1 if failed else 0)


def _summary_line(findings, failed: bool) -> str:
    from .errors import summary

    verdict = "niet in orde" if failed else "in orde"
    return f"Controle {verdict}: {summary(findings)}."


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the schema files (default: schemas/ in the content folder).")
@click.pass_context
def schema(ctx: click.Context, out: Path | None) -> None:
    """Write a JSON Schema for each YAML file kind, for editors.

    Put '# yaml-language-server: $schema=../schemas/slide.schema.json' at the top of a slide file
    and editors such as VS Code complete and check the fields as you type.
    """
    from .schema import write_schemas

    if out is None:
        out = _root(ctx) / "schemas"
    for path in write_schemas(out):
        click.echo(f"geschreven: {path}")


def main() -> None:
    cli(prog_name="narrowcast")
