"""Proposals and history as data: the one shape that `proposals`/`history --format json` print and
the HTTP API returns, and that the text output is made from."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from ..content.load import load_site
from ..content.model import Site
from ..errors import NarrowcastError
from ..publish.source import last_publication
from ..state import history
from ..state.history import Record
from ..state.snapshots import load_snapshot, materialise, working_id
from .flow import ProposalView, proposals


def proposal_data(root: Path, now: datetime, include_decided: bool = False) -> list[dict]:
    """The open (and out-of-date) proposals, newest first, each with its change in words against what is live."""
    from .changes import as_json, changes, file_changes

    records = history.read_log(root)
    live = last_publication(records)
    old = _load(root, live.snapshot) if live and live.snapshot else None
    old_files = _files(root, live.snapshot) if live and live.snapshot else None
    shown = []
    for view in proposals(root, records, working_id(root)):
        if view.decided_by is not None and not include_decided:
            continue
        new = _load(root, view.record.snapshot)
        found = changes(old, new, now) + file_changes(old_files, _files(root, view.record.snapshot)) \
            if new is not None else None
        shown.append(_proposal(view) | {
            "changes": as_json(found) if found is not None else None,
            "change_lines": _lines(found)})
    return shown


def _lines(found) -> list[str]:
    from .changes import as_lines

    return as_lines(found) if found is not None else ["(de inhoud van dit voorstel kan niet gelezen worden)"]


def _proposal(view: ProposalView) -> dict:
    record = view.record
    return {"id": record.seq, "status": view.status, "at": record.at, "by": record.person("voorgesteld"),
            "message": record.message, "snapshot": record.snapshot, "forced": record.forced,
            "decided_by": view.decided_by.seq if view.decided_by else None}


def history_data(root: Path) -> list[dict]:
    """Every record of the log, newest first."""
    return [record_data(r) for r in reversed(history.read_log(root))]


def verify_data(root: Path) -> dict:
    """`history --verify` and `GET /api/history?verify=1`: the problems found, and the last record to note elsewhere."""
    problems = history.verify(root)
    try:
        last = history.head(root)
    except NarrowcastError:
        last = None
    return {"ok": not problems, "problems": problems, "head": {"seq": last[0], "hash": last[1]} if last else None}


def record_data(record: Record) -> dict:
    return {"id": record.seq, "kind": record.kind, "at": record.at, "people": record.people,
            "message": record.message, "snapshot": record.snapshot, "proposal": record.proposal,
            "reason": record.reason, "forced": record.forced, "rollback_of": record.rollback_of,
            "screens": {s: e["version"] for s, e in (record.screens or {}).items()} or None}


@lru_cache(maxsize=16)
def _load(root: Path, snapshot: str) -> Site | None:
    try:
        site, _ = load_site(materialise(root, snapshot))  # a snapshot never changes: its site may be kept
    except NarrowcastError:  # a damaged snapshot spoils its own entry, never the whole list
        return None
    return site


def _files(root: Path, snapshot: str) -> dict[str, str]:
    try:
        return load_snapshot(root, snapshot).files
    except NarrowcastError:
        return {}
