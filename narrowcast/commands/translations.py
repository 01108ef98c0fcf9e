"""`narrowcast translations`: per slide and language, whether its translation is up to date;
`--mark` records that a translation fits the Dutch text as it is now (`source:` in its block)."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from pathlib import Path

import click

from ..content.load import load_site_or_raise
from ..content.model import Site, Slide
from ..content.translations import HALF, OUTDATED, UNKNOWN, UP_TO_DATE, translation_status
from ..content.yamledit import set_values
from ..errors import NarrowcastError
from ..yamlsource import read_documents

STATES = (UP_TO_DATE, OUTDATED, UNKNOWN, HALF)


def status_rows(site: Site) -> list[dict]:
    """One row per slide (a law's phases too) and language: its status, what it misses, where it is."""
    rows = []
    for slide in site.slides.values():
        for lang in slide.translations:
            status = translation_status(slide, lang)
            rows.append({"slide": slide.id, "lang": lang, "status": status.state, "missing": list(status.missing),
                         "outdated": status.outdated, "source": status.source, "current": status.current,
                         "file": slide.origin.file, "line": slide.origin.line(("translations", lang))})
    return rows


def print_status(root: Path, fmt: str) -> None:
    site, _ = load_site_or_raise(root)
    rows = status_rows(site)
    counts = Counter(row["status"] for row in rows)
    if fmt == "json":
        click.echo(json.dumps({"root": str(root), "counts": {state: counts[state] for state in STATES},
                               "translations": rows}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160
    table = Table(title="Vertalingen", title_justify="left")
    for column in ("dia", "taal", "status", "plaats"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        state = row["status"]
        if state == HALF:
            state += ": mist " + ", ".join(row["missing"]) + (" (en verouderd)" if row["outdated"] else "")
        table.add_row(row["slide"], row["lang"], state, f"{row['file']}:{row['line']}")
    console.print(table)
    console.print(", ".join(f"{counts[state]} {state}" for state in STATES) + ".", markup=False)
    for line in _advice(counts):
        console.print(line, markup=False)


def _advice(counts: Counter) -> list[str]:
    advice = []
    if counts[OUTDATED]:
        advice.append(f"{OUTDATED}: de Nederlandse tekst is veranderd sinds de vertaling is gemaakt. Laat de vertaling "
                      "aanpassen en zet hem dan op bijgewerkt: narrowcast translations --mark DIA TAAL")
    if counts[UNKNOWN]:
        advice.append(f"{UNKNOWN}: narrowcast weet niet van welke Nederlandse tekst deze vertaling is. Klopt hij? "
                      "Zet hem op bijgewerkt: narrowcast translations --mark DIA TAAL (of --mark-all)")
    if counts[HALF]:
        advice.append(f"{HALF}: de vertaling mist een tekst die de Nederlandse dia wel heeft; tot die erbij staat, "
                      "komt deze taal niet op het scherm")
    return advice


def mark(root: Path, slide_id: str | None, langs: tuple[str, ...], fmt: str) -> None:
    """Write `source: <hash of the Dutch now>` into each chosen translation's block (all slides without slide_id)."""
    site, _ = load_site_or_raise(root)
    chosen = _chosen(site, slide_id, langs)
    edits: dict[str, list] = {}
    halves = []
    for slide, lang in chosen:
        translation, status = slide.translations[lang], translation_status(slide, lang)
        if translation.source != status.current:
            doc = translation.origin.doc
            edits.setdefault(doc.file, []).append((doc, translation.origin.path, status.current))
        if status.state == HALF:
            halves.append((slide, lang))
    changed = [file for file, file_edits in edits.items() if _write(root, file, file_edits)]
    if fmt == "json":
        click.echo(json.dumps({"marked": [{"slide": s.id, "lang": lang} for s, lang in chosen], "files": changed,
                               "half": [{"slide": s.id, "lang": lang} for s, lang in halves]}, ensure_ascii=False, indent=2))
        return
    by_slide: dict[str, list[str]] = {}
    for slide, lang in chosen:
        by_slide.setdefault(slide.id, []).append(lang)
    for ident, slide_langs in by_slide.items():
        click.echo(f"bijgewerkt: {ident} ({', '.join(slide_langs)})")
    click.echo(f"{len(changed)} {'bestand' if len(changed) == 1 else 'bestanden'} aangepast"
               + (f": {', '.join(changed)}" if changed else "; alles stond al op bijgewerkt"))
    for slide, lang in halves:
        missing = ", ".join(translation_status(slide, lang).missing)
        click.echo(f"Let op: {slide.id} ({lang}) mist nog {missing}; die taal komt pas op het scherm als dat erbij staat.")


def _chosen(site: Site, slide_id: str | None, langs: tuple[str, ...]) -> list[tuple[Slide, str]]:
    """The (slide, language) pairs to mark; a law's id stands for both its phases."""
    if slide_id is None:
        slides = [s for s in site.slides.values() if s.translations]
    elif slide_id in site.slides:
        slides = [site.slides[slide_id]]
    elif slide_id in site.laws:
        slides = [s for s in site.slides.values() if s.phase and s.phase.law.id == slide_id]
    else:
        close = difflib.get_close_matches(slide_id, list(site.slides) + list(site.laws), n=1)
        hint = f"; bedoelt u {close[0]}?" if close else "; zie narrowcast translations voor de dia's met vertalingen"
        raise NarrowcastError(f"onbekende dia '{slide_id}'{hint}")
    known = sorted({lang for slide in slides for lang in slide.translations})
    if not known:
        raise NarrowcastError(f"{slide_id or 'de inhoud'} heeft geen vertalingen; er is niets te markeren")
    for lang in langs:
        if lang not in known:
            raise NarrowcastError(f"{slide_id or 'geen enkele dia'} heeft geen vertaling '{lang}'; wel: {', '.join(known)}")
    return [(slide, lang) for slide in slides for lang in slide.translations if not langs or lang in langs]


def _write(root: Path, file: str, edits: list) -> bool:
    path = root / file
    documents, _ = read_documents(path, root)
    if {doc.digest for doc, _, _ in edits} - {doc.digest for doc in documents}:
        raise NarrowcastError(f"{file} is veranderd terwijl narrowcast het las; probeer het opnieuw")
    return set_values(path, root, [(int(doc.digest.rsplit(":", 1)[1]), tuple(at), "source", value)
                                   for doc, at, value in edits])
