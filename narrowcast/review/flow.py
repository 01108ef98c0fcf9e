"""Four-eyes publishing: propose, approve, reject, publish, roll back; the rules and the record.

Every step that changes what screens show is a decision (who may, is it still current) followed
by a build and a record in the log. The decision is made here; the build is the caller's, because
the command line builds in its own process and the server in its build worker: a `Step` carries
the build's options and, once built, `done` appends the record. `run_step` is the command
line's way. Nothing is recorded for a build that failed, so a refused build changes nothing.
The caller holds `step_lock` from the decision to the record, so no other step (a rejection, a
second approval) can land in between; `reject` takes it itself.
"""

from __future__ import annotations

import shutil
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..content.fields import hidden_character_problem
from ..content.load import load_config
from ..errors import NarrowcastError
from ..publish.build import BuildOptions, build
from ..publish.manifest import manifest_path
from ..publish.source import last_publication, live_source
from ..state import history
from ..state.files import step_lock
from ..state.history import Record
from ..state.records import ROLES, Records
from ..state.snapshots import get_object, materialise, prune_trees, put_object, save_snapshot, store_dir, working_id

if TYPE_CHECKING:
    from ..render.pool import RenderPool

MAX_MESSAGE = 500
CHECK_BUILD = "check-build"  # in the store: where a proposal is built once to check it (then removed)


class Refused(NarrowcastError):
    """A step the rules do not allow (role, four eyes, a stale or decided proposal): said in Dutch."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.status = status  # for the HTTP API: 403 not allowed, 404 unknown, 409 no longer possible


@dataclass(frozen=True)
class Step:
    """A decision taken, waiting for its build: build `options`, then call `done(versions, out)`."""

    options: BuildOptions
    done: Callable[[dict[str, str], Path], Record]
    publishes: bool  # the build is the live one (False: a proposal's check build into a scratch folder)


@dataclass(frozen=True)
class ProposalView:
    record: Record
    status: str  # open | verouderd | goedgekeurd | afgewezen
    decided_by: Record | None


# --- who may ---------------------------------------------------------------------------------------

def require_role(records: Records, user: str, needed: str, doing: str) -> str:
    """The user's role when it allows `doing` (a Dutch verb phrase); else a Dutch refusal."""
    role = records.role(user)
    if role is None:
        raise Refused(f"gebruiker {user} bestaat niet; maak de gebruiker met 'narrowcast user add {user} --role {needed}'")
    if ROLES.index(role) < ROLES.index(needed):
        allowed = " of ".join(ROLES[ROLES.index(needed):])
        raise Refused(f"{user} is {role}; {doing} mag alleen een {allowed}")
    return role


# --- reading the log -------------------------------------------------------------------------------

def proposals(root: Path, records: list[Record] | None = None, working: str | None = None) -> list[ProposalView]:
    """Every proposal with its status, newest first; `verouderd`: the working copy changed since."""
    records = history.read_log(root) if records is None else records
    decisions = {r.proposal: r for r in records if r.kind in ("afwijzing", "publicatie") and r.proposal}
    working = working_id(root) if working is None else working
    views = []
    for record in (r for r in records if r.kind == "voorstel"):
        decided = decisions.get(record.seq)
        status = ("goedgekeurd" if decided.kind == "publicatie" else "afgewezen") if decided else \
            "open" if record.snapshot == working else "verouderd"
        views.append(ProposalView(record, status, decided))
    return views[::-1]


def _proposal(root: Path, seq: int, approving: bool = True) -> tuple[ProposalView, list[Record]]:
    records = history.read_log(root)
    view = next((v for v in proposals(root, records) if v.record.seq == seq), None)
    if view is None:
        kind = next((r.kind for r in records if r.seq == seq), None)
        raise Refused(f"{seq} is geen voorstel maar een {kind}" if kind else
                      f"er is geen voorstel {seq}; zie 'narrowcast proposals'", 404)
    if view.decided_by is not None:
        by = view.decided_by.person("goedgekeurd") or view.decided_by.person("afgewezen") or "iemand"
        raise Refused(f"voorstel {seq} is al {view.status} (door {by}, record {view.decided_by.seq})", 409)
    if view.status == "verouderd" and approving:
        raise Refused(f"voorstel {seq} is verouderd: de inhoud is gewijzigd nadat het werd voorgesteld. "
                      f"Stel de inhoud opnieuw voor met 'narrowcast publish --user NAAM'", 409)
    return view, records


# --- the steps -------------------------------------------------------------------------------------

def publish_step(root: Path, user: str, now: datetime, message: str | None = None, force: str | None = None) -> Step:
    """Propose the working copy; or publish it at once in direct mode, or for an eindredacteur when
    four eyes are off. The snapshot is taken now: later edits are not part of it."""
    records, rules = Records(root), live_source(root)
    role = require_role(records, user, ROLES[0], "voorstellen")
    message = _message(message)
    snapshot = save_snapshot(root)
    log = history.read_log(root)
    live = last_publication(log)
    if live is not None and live.snapshot == snapshot.id and rules.review:
        raise Refused(f"er verandert niets: precies deze inhoud staat al live (publicatie {live.seq})", 409)
    open_one = next((v for v in proposals(root, log, snapshot.id) if v.status == "open"), None)
    now_live = not rules.review or (not rules.four_eyes and ROLES.index(role) >= 1)
    if open_one is not None and not now_live:
        raise Refused(f"precies deze inhoud staat al open als voorstel {open_one.record.seq}", 409)
    tree = materialise(root, snapshot.id)
    if now_live:
        def published(versions: dict[str, str], out: Path) -> Record:
            return _record_publication(root, now, {"voorgesteld": user, "gepubliceerd": user}, snapshot=snapshot.id,
                                       message=message, forced=force, screens=_stored(root, out, versions))

        return Step(BuildOptions(source=tree, force=force, user=user), published, publishes=True)

    scratch = store_dir(root) / CHECK_BUILD / snapshot.id / "output"
    shutil.rmtree(scratch.parent, ignore_errors=True)  # left by a check build that failed

    def proposed(_versions: dict[str, str], _out: Path) -> Record:
        shutil.rmtree(scratch.parent, ignore_errors=True)
        return _append(root, "voorstel", now, {"voorgesteld": user}, snapshot=snapshot.id, message=message, forced=force)

    # The check build: every check of a real build, the slides rendered into the cache (so approving is quick).
    return Step(BuildOptions(out=scratch, source=tree, force=force, user=user), proposed, publishes=False)


def approve_step(root: Path, seq: int, user: str, now: datetime) -> Step:
    rules = live_source(root)
    require_role(Records(root), user, "eindredacteur", "goedkeuren")
    view, _ = _proposal(root, seq)
    proposer = view.record.person("voorgesteld")
    if rules.four_eyes and proposer in (None, user):
        raise Refused("je kunt je eigen voorstel niet goedkeuren: bij vier ogen keurt een collega het goed. "
                      "Vraag een andere eindredacteur" if proposer == user else
                      f"van voorstel {seq} is niet meer bekend wie het deed (bewaartermijn); stel het opnieuw voor")
    tree = materialise(root, view.record.snapshot)

    def approved(versions: dict[str, str], out: Path) -> Record:
        return _record_publication(root, now, {"voorgesteld": proposer or "?", "goedgekeurd": user}, proposal=seq,
                                   snapshot=view.record.snapshot, message=view.record.message,
                                   forced=view.record.forced, screens=_stored(root, out, versions))

    return Step(BuildOptions(source=tree, force=view.record.forced, user=user), approved, publishes=True)


def rollback_step(root: Path, seq: int, user: str, now: datetime) -> Step:
    """Publish an earlier publication's snapshot again; where a screen's manifest comes out with the
    version it had then, the very file of then is published (byte for byte)."""
    rules = live_source(root)
    require_role(Records(root), user, "eindredacteur", "terugzetten")
    if not rules.review:
        raise Refused("terugzetten kan alleen bij publishing: review; bij direct staat de werkmap zelf live: "
                      "zet daar de bestanden terug en sla ze op", 409)
    log = history.read_log(root)
    target = next((r for r in log if r.seq == seq), None)
    if target is None or target.kind != "publicatie":
        raise Refused(f"er is geen publicatie {seq}; zie 'narrowcast history'", 404)
    live = last_publication(log)
    if live is not None and live.snapshot == target.snapshot:
        raise Refused(f"publicatie {seq} staat al live (publicatie {live.seq} heeft dezelfde inhoud)", 409)
    tree = materialise(root, target.snapshot)
    earlier = {entry["version"]: get_object(root, entry["manifest"]) for entry in (target.screens or {}).values()}

    def rolled_back(versions: dict[str, str], out: Path) -> Record:
        return _record_publication(root, now, {"teruggezet": user}, snapshot=target.snapshot, rollback_of=seq,
                                   screens=_stored(root, out, versions))

    return Step(BuildOptions(source=tree, force=target.forced, earlier=earlier, user=user), rolled_back,
                publishes=True)


def reject(root: Path, seq: int, user: str, reason: str, now: datetime) -> Record:
    """Turn a proposal down with a reason (an out-of-date one too, so it leaves the list); its
    proposer may also withdraw it this way."""
    reason = _message(reason, "de reden")
    if not reason:
        raise Refused("geef een reden: wat er anders moet", 400)
    with step_lock(root):
        view, _ = _proposal(root, seq, approving=False)
        if view.record.person("voorgesteld") != user:
            require_role(Records(root), user, "eindredacteur", "afwijzen")
        return _append(root, "afwijzing", now, {"afgewezen": user}, proposal=seq, snapshot=view.record.snapshot,
                       reason=reason)


def run_step(root: Path, decide: Callable[[], Step], now: datetime, renderer: "RenderPool") -> Record:
    """Decide, build the step here (the command line), then record it: one step at a time."""
    with step_lock(root):
        step = decide()
        report = build(root, now, step.options, renderer)
        return step.done(report.versions, report.out)


# --- recording -------------------------------------------------------------------------------------

def _message(message: str | None, what: str = "het bericht") -> str | None:
    """Words for the log on one line; none that a terminal would act on (escape codes) or that hide text."""
    message = " ".join((message or "").split())
    if len(message) > MAX_MESSAGE:
        raise Refused(f"{what} is te lang ({len(message)} tekens; hooguit {MAX_MESSAGE})", 400)
    control = next((c for c in message if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise Refused(f"in {what} staat een stuurteken (U+{ord(control):04X}); typ het opnieuw zonder", 400)
    if hidden := hidden_character_problem(message):
        raise Refused(f"{what}: {hidden}", 400)
    return message or None


def _stored(root: Path, out: Path, versions: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each screen's manifest as published, kept in the store: a rollback publishes it again."""
    store = store_dir(root)
    return {screen: {"version": version, "manifest": put_object(store, (out / manifest_path(screen)).read_bytes())}
            for screen, version in sorted(versions.items())}


def _record_publication(root: Path, now: datetime, people: dict[str, str], **fields) -> Record:
    record = _append(root, "publicatie", now, people, **fields)
    prune_trees(root, keep={record.snapshot} | {v.record.snapshot for v in proposals(root) if v.status == "open"})
    return record


def _append(root: Path, kind: str, now: datetime, people: dict[str, str], **fields) -> Record:
    record = history.append(root, kind, now, people, **fields)
    forget_names(root, now)
    return record


def forget_names(root: Path, now: datetime) -> int:
    """Names older than `history_days` (default 365) leave the log (AVG); the approved setting
    counts in review mode, so a draft cannot shorten it."""
    config = load_config(live_source(root).folder or root)
    days = config.history_days if config else 365
    return history.erase_people(root, now - timedelta(days=days))
