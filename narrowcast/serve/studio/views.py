"""What the studio's pages show, as plain data: the slides with their status, one slide to edit.

The working copy is what staff edit; what screens show is the server's last good build
(`server.published`: the approved snapshot in review mode). A slide's status compares the two
by the bytes of its file: the same as live, in an open proposal, or a draft of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...content.model import Site, Slide
from ...state.snapshots import load_snapshot
from ...yamlsource import read_documents

if TYPE_CHECKING:
    from ..server import Server

# The statuses, in the order the overview's filter offers them, with the words staff read.
STATUSES = {"concept": "concept", "ter-beoordeling": "ter beoordeling", "live": "live", "gepland": "gepland",
            "niet-ingepland": "in geen afspeellijst", "verlopen": "verlopen"}


@dataclass(frozen=True)
class SlideRow:
    id: str
    title: str
    file: str
    status: str  # a key of STATUSES
    playlists: tuple[str, ...]
    screens: tuple[str, ...]
    errors: int
    warnings: int
    pictures: tuple[dict, ...]  # from the preview: {image, size, width, height}, landscape and portrait
    law: bool  # a phase of a law change (edited in laws/, not in the slide editor)


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def slide_rows(server: "Server", working: Site, preview: dict | None, now: datetime) -> list[SlideRow]:
    """Every slide of the working copy with its status and where it plays."""
    from ...review.flow import proposals

    live = server.published.site if server.published else None
    live_files = _live_listing(server)
    proposed: set[tuple[str, str]] = set()
    for view in proposals(server.root):
        if view.status == "open" and view.record.snapshot:
            proposed |= set(load_snapshot(server.root, view.record.snapshot).files.items())
    shown = {s["id"]: s for s in (preview or {}).get("slides", [])}
    rows = []
    for slide in working.slides.values():
        file = slide.origin.file
        digest = file_digest(working_root(working) / file)
        same_as_live = live is not None and slide.id in live.slides and (
            live_files is None or live_files.get(file) == digest)
        status = _status(slide, now, same_as_live, (file, digest) in proposed, shown.get(slide.id))
        playlists = tuple(p.name for p in working.playlists.values() if _plays(p, slide))
        screens = tuple(s.name for s in working.config.screens
                        if s.playlist in {p.id for p in working.playlists.values() if _plays(p, slide)})
        seen = shown.get(slide.id, {})
        rows.append(SlideRow(slide.id, slide.title, file, status, playlists, screens, seen.get("errors", 0),
                             seen.get("warnings", 0), _pictures(seen), slide.phase is not None))
    return rows


def working_root(site: Site) -> Path:
    return Path(site.root)


def _live_listing(server: "Server") -> dict[str, str] | None:
    """path -> SHA-256 of the live snapshot's files (review mode); None in direct mode (the working copy is live)."""
    snapshot = server.published.snapshot if server.published else None
    if snapshot is None:
        return None
    return load_snapshot(server.root, snapshot).files


def _status(slide: Slide, now: datetime, same_as_live: bool, proposed: bool, shown: dict | None) -> str:
    if slide.valid_until is not None and slide.valid_until <= now:
        return "verlopen"
    if not same_as_live:
        return "ter-beoordeling" if proposed else "concept"
    if shown is None:
        return "gepland"
    if shown.get("live"):
        return "live"
    return "niet-ingepland" if shown.get("status", "").startswith("Staat in geen afspeellijst") else "gepland"


def _plays(playlist, slide: Slide) -> bool:
    return any(item.slide == slide.id or (item.tag and item.tag in slide.tags) for item in playlist.items) \
        or playlist.fallback == slide.id


def _pictures(seen: dict) -> tuple[dict, ...]:
    """The first picture of each distinct shape: landscape, portrait."""
    picked: dict[bool, dict] = {}
    for variant in seen.get("variants", []):
        if variant.get("first"):
            picked.setdefault(variant["width"] >= variant["height"], variant)
    return tuple(picked[k] for k in (True, False) if k in picked)


def filtered(rows: list[SlideRow], query: str, status: str) -> list[SlideRow]:
    words = query.lower().split()
    return [row for row in rows
            if (not status or row.status == status)
            and all(w in f"{row.id} {row.title} {' '.join(row.playlists)} {' '.join(row.screens)}".lower() for w in words)]


# --- one slide ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Editable:
    """One slide's document in its file, as the editor starts from."""

    file: str
    version: str  # SHA-256 of the file's bytes: a save says which version it changes
    text: str  # the whole file, for the raw-YAML tab
    document: int  # which document in the file holds the slide
    data: dict  # the slide's values as written (text, as the reader keeps them)
    documents: int  # how many documents the file holds


def editable(root: Path, site: Site, slide_id: str) -> Editable | None:
    slide = site.slides.get(slide_id)
    if slide is None or slide.phase is not None:
        return None
    path = root / slide.origin.file
    raw = path.read_bytes()
    documents, _ = read_documents(path, root, raw)
    for index, document in enumerate(documents):
        if isinstance(document.data, dict) and document.data.get("id") == slide_id:
            return Editable(slide.origin.file, hashlib.sha256(raw).hexdigest(), raw.decode("utf-8-sig"), index,
                            document.data, len(documents))
    return None

