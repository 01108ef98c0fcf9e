"""`narrowcast serve`: rebuild on save, rebuild on schedule, announce new versions, serve it all.

One Server per content folder. Builds run in a worker process (serve/builder.py), one at a
time; a rebuild that fails for any reason keeps the last good output and says why. The server
keeps what its last good build published (`Published`): the dashboard, the alerts and the
scheduler read that, never the files on disk, so a file broken halfway an edit blanks nothing.

A preview is a Server too (`preview=True`): it builds the working copy into its own folder
(serve/preview.py) and announces on its own broker. `serve` runs one beside the live server,
sharing its build worker, and its watcher tells both what was saved: in review mode a save
rebuilds only the preview (the live build reads the approved snapshot, which no save changes),
while a new record in the publishing log rebuilds the live output.

With several servers on one PostgreSQL database (`cluster`), only the builder builds output/; the
others ask it to (`publish` becomes a request) and take its builds from output/ (`adopt_published`).
"""

from __future__ import annotations

import asyncio
import logging
import time as clock_module
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from ..content.fields import DEFAULT_TZ
from ..content.load import load_site
from ..folder import PUBLISHING_LOG, STATE_DIR, is_content
from ..publish.manifest import Index
from .builder import BuildOutcome, Builder, failed, unexpected
from .events import Broker

if TYPE_CHECKING:
    from ..content.model import Site
    from .cluster import Cluster
    from ..publish.build import BuildOptions
    from ..schedule.plan import Plan

log = logging.getLogger("narrowcast.serve")
Clock = Callable[[], datetime]
WATCH_RETRY_SECONDS = 5


def system_clock(tz: str = DEFAULT_TZ) -> Clock:
    return lambda: datetime.now(ZoneInfo(tz))


def shifted_clock(start: datetime) -> Clock:
    """A clock that starts at `start` and runs at normal speed (serve --at, and tests)."""
    began = clock_module.monotonic()
    return lambda: start + timedelta(seconds=clock_module.monotonic() - began)


@dataclass(frozen=True)
class Published:
    """What the last good build published: its site and plans, the versions, the clock's moment."""

    site: "Site | None"
    plans: "tuple[Plan, ...]"
    versions: dict[str, str]
    at: datetime
    snapshot: str | None = None  # review mode: the approved snapshot it was built from


@dataclass
class BuildState:
    last_ok: str | None = None
    failure: BuildOutcome | None = None  # the last failure since the last good build
    builds: int = 0

    @property
    def last_error(self) -> str | None:
        return self.failure.error if self.failure else None


@dataclass
class Server:
    root: Path
    clock: Clock
    jobs: int = 2
    debounce_ms: int = 300  # saves within this much of each other make one rebuild
    step_ms: int = 25  # a save is noticed after this much quiet: most of the delay from save to rebuild
    broker: Broker = field(default_factory=Broker)
    versions: dict[str, str] = field(default_factory=dict)
    state: BuildState = field(default_factory=BuildState)
    after_build: list[Callable[[], None]] = field(default_factory=list)
    builder: Builder = field(default_factory=Builder)
    published: Published | None = None  # None until the first good build of this run
    preview: bool = False  # builds the working copy into the preview's folder, never into output/
    lazy: bool = False  # builds nothing until someone asks (`wake`): the preview inside `serve`
    preview_server: "Server | None" = None  # `serve`: the preview it offers staff, rebuilt on every save
    cluster: "Cluster | None" = None  # several instances on PostgreSQL: only the builder builds (serve/cluster.py)

    def __post_init__(self) -> None:
        from ..publish.preview import preview_output, remove_previews
        from ..state.records import Records

        self.root = self.root.resolve()
        if self.preview:
            remove_previews(self.root)  # left by previews that were killed
        self.output = preview_output(self.root) if self.preview else self.root / "output"
        # A preview writes nothing to the state database: its player's reports find no route (404).
        self.records = None if self.preview else Records(self.root)
        self.awake = not self.lazy
        self.pages = ""  # a preview's pages' version: it changes with every build (serve/preview.py)
        self.background: list[asyncio.Task] = []  # builds started by `wake`, cancelled at the end
        self._lock = asyncio.Lock()
        self._read_versions()

    # --- building -------------------------------------------------------------------------------

    async def rebuild(self, reason: str) -> bool:
        """Build the state at the clock's now; announce every screen whose version changed.

        Never raises (the watcher, the scheduler and the start all call it): a rebuild that fails,
        for whatever reason, keeps the last good output and says why in the log and `last_error`.
        """
        return (await self.publish(reason)).ok

    async def publish(self, reason: str, options: "BuildOptions | None" = None,
                      now: datetime | None = None) -> BuildOutcome:
        """`rebuild` with the build's options given (an approval, a rollback): the outcome itself.

        A build that publishes nothing live (`options.out` elsewhere) announces nothing."""
        reason = f"voorbeeld, {reason}" if self.preview else reason
        if self.cluster is not None and not self.cluster.leader:
            return await self.cluster.build_elsewhere(reason, options, now or self.clock())
        async with self._lock:
            try:
                now = now or self.clock()
                if self.preview:
                    from .preview import build_preview_in

                    outcome = await build_preview_in(self.builder, self.root, now, self.jobs, self.output)
                else:
                    outcome = await self.builder.build(self.root, now, self.jobs, options)
            except Exception as exc:  # noqa: BLE001 - Builder.build does not raise; a stand-in might
                outcome = failed(unexpected(exc), traceback.format_exc())
            live = options is None or options.out is None
            if not outcome.ok and live:
                self._report_failure(reason, outcome)
            elif outcome.ok and live:
                self._announce(reason, now, outcome)
            if self.preview:
                from .preview import announce_pages

                announce_pages(self)
            return outcome

    def wake(self) -> None:
        """A lazy server's first visitor: build now, and after every save from then on."""
        if not self.awake:
            self.awake = True
            self.background.append(asyncio.get_running_loop().create_task(self.rebuild("eerste bezoek")))

    def _report_failure(self, reason: str, outcome: BuildOutcome) -> None:
        self.state.failure = outcome
        if outcome.content:
            log.warning("herbouw (%s) mislukt, de vorige versie blijft staan:\n%s", reason, outcome.error)
        else:
            detail = outcome.detail
            log.error("herbouw (%s) mislukt: %s%s", reason, outcome.error, f"\n{detail}" if detail else "")

    def _announce(self, reason: str, now: datetime, outcome: BuildOutcome) -> None:
        self.published = Published(outcome.site, tuple(outcome.plans), dict(outcome.versions), now, outcome.snapshot)
        self.state.failure = None
        self.state.last_ok = now.isoformat()
        self.state.builds += 1
        changed = {s: v for s, v in outcome.versions.items() if self.versions.get(s) != v}
        self.versions = dict(outcome.versions)
        for screen, version in changed.items():
            self.broker.publish(screen, version)
        for callback in self.after_build:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the build is published; the next steps must not undo that
                log.exception("na de build (%s): %s mislukt", reason, getattr(callback, "__qualname__", callback))
        if self.cluster is not None:
            self.cluster.announce(outcome.snapshot)
        log.info("gebouwd (%s): %d gemaakt, %d uit cache, %d schermen nieuw, %.1f s",
                 reason, outcome.rendered, outcome.cached, len(changed), outcome.seconds)

    def _read_versions(self) -> None:
        """What was published before this start: its versions, so that only real changes are
        announced, and, while the content still loads, its site, so that the dashboard and the
        alerts show the screens even when the first build of this run fails (Chromium, a full disk)."""
        found = self._on_disk()
        if found is not None:
            self.versions = dict(found.versions)
            if found.site is not None:
                self.published = found

    def _on_disk(self, snapshot: str | None = None) -> Published | None:
        """What output/index.json says is published, with the site read from the content (or from the
        approved snapshot's tree); None when there is no readable index."""
        index = self.output / "index.json"
        if not index.is_file():
            return None
        try:
            published = Index.from_json(index.read_bytes())
        except (OSError, ValueError) as exc:  # damaged: the first build writes it anew
            log.warning("%s is beschadigd (%s: %s); de eerste build maakt het opnieuw", index, type(exc).__name__, exc)
            return None
        try:
            from ..state.snapshots import tree_dir

            site, _ = load_site(tree_dir(self.root, snapshot) if snapshot else self.root)
        except Exception:  # noqa: BLE001 - the first build says what is wrong; the server starts anyway
            log.exception("de inhoud kon niet gelezen worden")
            site = None
        at = datetime.fromisoformat(published.generated.replace("Z", "+00:00"))
        return Published(site, (), published.versions(), at, snapshot)

    async def adopt_published(self, snapshot: str | None = None) -> None:
        """Another instance built (serve/cluster.py): take what output/ now holds and tell our screens."""
        found = await asyncio.to_thread(self._on_disk, snapshot)
        if found is None:
            return
        changed = {s: v for s, v in found.versions.items() if self.versions.get(s) != v}
        self.versions = dict(found.versions)
        if found.site is not None:
            self.published = found
            self.state.failure = None
            self.state.last_ok = found.at.isoformat()
        for screen, version in changed.items():
            self.broker.publish(screen, version)
        if changed:
            log.info("gebouwd door een andere server: %d schermen nieuw", len(changed))

    # --- watching -------------------------------------------------------------------------------

    async def watch(self) -> None:
        """Rebuild when a content file is saved; several saves within the debounce make one build.
        The preview (`preview_server`) hears of the same saves, after the live build.

        Runs until cancelled: a rebuild never raises, and if watching itself fails it starts again.
        """
        from watchfiles import awatch

        servers = [server for server in (self, self.preview_server) if server is not None]
        while True:
            try:
                async for changes in awatch(self.root, watch_filter=self._is_content, debounce=self.debounce_ms,
                                            step=self.step_ms, recursive=True):
                    changed = sorted({Path(p).relative_to(self.root) for _, p in changes})
                    for server in servers:
                        await server.follow(changed)
            except Exception as exc:  # noqa: BLE001 - e.g. the folder was moved away for a moment
                self.state.failure = failed(f"het bewaken van de inhoudsmap is mislukt ({type(exc).__name__}: {exc}); "
                                            f"over {WATCH_RETRY_SECONDS} s opnieuw")
                log.exception("bewaken mislukt, over %d s opnieuw", WATCH_RETRY_SECONDS)
            await asyncio.sleep(WATCH_RETRY_SECONDS)

    async def follow(self, changed: list[Path]) -> None:
        """Rebuild for the saved files (relative to the root) that change what this server builds."""
        relevant = await self._relevant(changed)
        if relevant and self.awake:
            names = [path.as_posix() for path in relevant]
            await self.rebuild("opgeslagen: " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))

    async def _relevant(self, changed: list[Path]) -> list[Path]:
        if self.preview:  # the working copy and the notices; the log says what is live, not what is drafted
            return [path for path in changed if path.parts != (STATE_DIR, *PUBLISHING_LOG)]
        state = [path for path in changed if path.parts[0] == STATE_DIR]  # notices and the log: always live
        if state == [Path(STATE_DIR, *PUBLISHING_LOG)] and await asyncio.to_thread(self._built_what_is_approved):
            state = []  # a record that changes nothing live: a proposal, a rejection, our own step's publication
        if len(state) == len(changed) or not await asyncio.to_thread(self._reviewed):
            return changed
        return state  # review mode: the live build reads the approved snapshot, which no save changes

    def _reviewed(self) -> bool:
        """Review mode, as the live build will see it. Skipping a rebuild only saves work (the build
        reads what is approved anyway), so when that cannot be told the rebuild happens and says why."""
        from ..publish.source import live_source

        try:
            return live_source(self.root).review
        except Exception:  # noqa: BLE001 - e.g. a damaged log: the rebuild reports it
            return False

    def _built_what_is_approved(self) -> bool:
        """The last good build is of the snapshot the log says is live (review mode). Asked under the
        step lock: between a step's build and its record the two disagree for a moment, and a rebuild
        then rewrote a rollback's very files (same version, a new server_time)."""
        from ..publish.source import live_source
        from ..state.files import step_lock

        try:
            with step_lock(self.root):
                source = live_source(self.root)
        except Exception:  # noqa: BLE001 - e.g. a damaged log: the rebuild reports it
            return False
        return (source.review and source.publication is not None and self.published is not None
                and self.published.snapshot == source.publication.snapshot)

    def _is_content(self, _change, path: str) -> bool:
        try:
            return is_content(Path(path).relative_to(self.root))
        except ValueError:
            return False

    # --- health ---------------------------------------------------------------------------------

    @property
    def site(self) -> "Site | None":
        """The site of the last good build; None before the first one."""
        return self.published.site if self.published else None

    def alerts_webhook(self) -> str | None:
        """The webhook named in the published narrowcast.yaml; None when there is none (yet)."""
        return self.site.config.alerts_webhook if self.site else None

    def health(self) -> dict:
        return {"status": "ok" if self.versions else "leeg", "time": self.clock().astimezone(timezone.utc).isoformat(),
                "screens": self.versions, "builds": self.state.builds, "last_build": self.state.last_ok,
                "last_error": self.state.last_error, "listeners": self.broker.count(),
                "role": self.cluster.role if self.cluster else "alleen",
                **({"instance": self.cluster.instance} if self.cluster else {})}

    def http_date(self) -> str:
        return formatdate(self.clock().timestamp(), usegmt=True)
