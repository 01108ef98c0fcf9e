"""APScheduler glue: rebuild at the moments the content names, and every new day.

The jobs are derived from the site the server published (at start and after every good build)
and kept in memory only: a persisted (pickled) job would go stale the moment a law's date moves.
Moments come from the server's clock, which tests and `serve --at` may shift; APScheduler runs on
the wall clock, so each moment is turned into a wall-clock time by the clock's offset.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Sequence
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from ..content.fields import DEFAULT_TZ

if TYPE_CHECKING:
    from ..content.model import Site
    from ..state.files import Notice

log = logging.getLogger("narrowcast.scheduler")
MISFIRE_GRACE = 6 * 3600  # a machine that slept through a moment still rebuilds when it wakes
LOOKAHEAD = timedelta(days=3)


class ContentScheduler:
    """One per server; with several servers on one PostgreSQL database only the builder's runs (the
    others' stay paused until they become the builder: serve/cluster.py).

    It needs only the server's clock, its rebuild and the site it published; the caller calls
    `refresh` after every good build (serve/run.py wires that).
    """

    def __init__(self, clock: Callable[[], datetime], rebuild: Callable[[str], Awaitable[bool]],
                 site: Callable[[], "Site | None"], root: Path):
        self.clock, self.rebuild, self.site, self.root = clock, rebuild, site, root
        self.scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE,
                                                        "max_instances": 1})

    def start(self, paused: bool = False) -> None:
        """Start; `paused`: keep the jobs but run none until `resume` (an instance that is not the builder)."""
        self.scheduler.start(paused=paused)
        self.refresh()

    def pause(self) -> None:
        if self.scheduler.running:
            self.scheduler.pause()

    def resume(self) -> None:
        self.scheduler.resume()
        self.refresh()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def refresh(self) -> None:
        """Replace every job with the ones the published content and the clock call for now.

        Never raises (it runs after every build): content that cannot be planned now still gets
        the rebuild at the next midnight, and the build that follows says what is wrong.
        """
        self.scheduler.remove_all_jobs()
        now = self.clock()
        for moment, reason in self._moments(now):
            self.scheduler.add_job(self.rebuild, DateTrigger(run_date=self._wall(moment, now)),
                                   args=[reason], id=f"{reason}@{moment.isoformat()}", replace_existing=True)

    def _moments(self, now: datetime) -> list[tuple[datetime, str]]:
        from ..state.files import active_notices

        try:
            return planned_moments(self.site(), active_notices(self.root, now), now)
        except Exception:  # noqa: BLE001 - any failure: keep the day's rhythm, and say so
            log.exception("de momenten om te herbouwen konden niet bepaald worden; alleen middernacht staat gepland")
        try:
            return [(next_midnight(now, ZoneInfo(DEFAULT_TZ)), "nieuwe dag")]
        except OverflowError:  # a clock at the end of time (serve --at 9999-12-31) has no next day
            return []

    def _wall(self, moment: datetime, now: datetime) -> datetime:
        return datetime.now(timezone.utc) + (moment - now)

    def jobs(self) -> list[tuple[str, datetime]]:
        return [(job.args[0], job.next_run_time) for job in self.scheduler.get_jobs()]


def next_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    """Just after the next local midnight: a new day's manifests."""
    return datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(0, 0, 5), tzinfo=tz)


def planned_moments(site: "Site | None", notices: "Sequence[Notice]", now: datetime) -> list[tuple[datetime, str]]:
    """The moments to rebuild at: the next local midnight, and law and notice moments soon after now.

    `site` is the one the server published (None before its first good build), never the files on disk.
    """
    tz = ZoneInfo(site.config.timezone) if site else ZoneInfo(DEFAULT_TZ)
    moments = [(next_midnight(now, tz), "nieuwe dag")]
    if site:
        for law in site.laws.values():
            for moment, what in ((law.announce_from, "aankondiging"), (law.effective, "ingang"),
                                 (law.retire_after, "einde")):
                if moment and now < moment <= now + LOOKAHEAD:
                    moments.append((moment, f"wet {law.id}: {what}"))
    for notice in notices:
        if notice.until <= now + LOOKAHEAD:
            moments.append((notice.until, f"melding {notice.id} voorbij"))
    return sorted(moments)
