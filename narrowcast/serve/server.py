"""`narrowcast serve`: rebuild on save, rebuild on schedule, announce new versions, serve it all.

One Server per content folder. Builds run in a worker thread (the renderer drives its own
Chromium and event loop there), one at a time; a failed rebuild keeps the last good output.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time as clock_module
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from ..state import NOTICES, STATE_DIR
from .builder import Builder
from .events import Broker

log = logging.getLogger("narrowcast.serve")
Clock = Callable[[], datetime]
WATCHED_DIRS = ("slides", "playlists", "laws", "themes", "images", "templates")
WATCHED_FILES = ("narrowcast.yaml",)


def system_clock(tz: str = "Europe/Amsterdam") -> Clock:
    return lambda: datetime.now(ZoneInfo(tz))


def shifted_clock(start: datetime) -> Clock:
    """A clock that starts at `start` and runs at normal speed (serve --at, and tests)."""
    began = clock_module.monotonic()
    return lambda: start + timedelta(seconds=clock_module.monotonic() - began)


@dataclass
class BuildState:
    last_ok: str | None = None
    last_error: str | None = None
    builds: int = 0


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

    def __post_init__(self) -> None:
        from ..records import Records

        self.root = self.root.resolve()
        self.output = self.root / "output"
        self.records = Records(self.root)
        self._lock = asyncio.Lock()
        self._read_versions()

    # --- building -------------------------------------------------------------------------------

    async def rebuild(self, reason: str) -> bool:
        """Build the state at the clock's now; announce every screen whose version changed."""
        async with self._lock:
            now = self.clock()
            outcome = await self.builder.build(self.root, now, self.jobs)
            if not outcome["ok"]:
                self.state.last_error = outcome["error"]
                if outcome["content"]:
                    log.warning("herbouw (%s) mislukt, de vorige versie blijft staan:\n%s", reason, outcome["error"])
                else:
                    log.error("herbouw (%s) mislukt: %s", reason, outcome["error"])
                return False
            self.state.last_error = None
            self.state.last_ok = now.isoformat()
            self.state.builds += 1
            changed = {s: v for s, v in outcome["versions"].items() if self.versions.get(s) != v}
            self.versions = dict(outcome["versions"])
            for screen, version in changed.items():
                self.broker.publish(screen, version)
            for callback in self.after_build:
                callback()
            log.info("gebouwd (%s): %d gemaakt, %d uit cache, %d schermen nieuw, %.1f s",
                     reason, outcome["rendered"], outcome["cached"], len(changed), outcome["seconds"])
            return True

    def _read_versions(self) -> None:
        index = self.output / "index.json"
        if index.is_file():
            self.versions = {s["id"]: s["version"] for s in json.loads(index.read_text(encoding="utf-8"))["screens"]}

    # --- watching -------------------------------------------------------------------------------

    async def watch(self) -> None:
        """Rebuild when a content file is saved; several saves within the debounce make one build."""
        from watchfiles import awatch

        async for changes in awatch(self.root, watch_filter=self._is_content, debounce=self.debounce_ms,
                                    step=self.step_ms, recursive=True):
            names = sorted({Path(p).relative_to(self.root).as_posix() for _, p in changes})
            await self.rebuild("opgeslagen: " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))

    def _is_content(self, _change, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.root)
        except ValueError:
            return False
        if not rel.parts or rel.name.startswith((".#", "~")) or rel.name.endswith(("~", ".swp", ".tmp")):
            return False
        if rel.parts[0] == STATE_DIR:
            return rel.name == NOTICES  # a notice made from the command line; never the database
        return rel.parts[0] in WATCHED_DIRS or rel.as_posix() in WATCHED_FILES

    # --- health ---------------------------------------------------------------------------------

    def alerts_webhook(self) -> str | None:
        from ..load import load_site

        site, _ = load_site(self.root)
        return site.config.alerts_webhook if site else None

    def health(self) -> dict:
        return {"status": "ok" if self.versions else "leeg", "time": self.clock().astimezone(timezone.utc).isoformat(),
                "screens": self.versions, "builds": self.state.builds, "last_build": self.state.last_ok,
                "last_error": self.state.last_error, "listeners": self.broker.count()}

    def http_date(self) -> str:
        return formatdate(self.clock().timestamp(), usegmt=True)
