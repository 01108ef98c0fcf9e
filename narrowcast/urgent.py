"""Urgent notices: made, checked and published at once; ended by hand or by their own clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .build import build, load_and_check
from .errors import NarrowcastError
from .icons import resolve
from .state import Notice, active_notices, end_notice, load_notices, save_notices

MAX_TEXT = 140


def publish_notice(root: Path, text: str, now: datetime, until: datetime | None = None,
                   screens: list[str] | None = None, icon: str = "informatie") -> Notice:
    """Save a notice and publish a build that shows it; nothing is kept when the build fails."""
    before = load_notices(root)
    notice = create_notice(root, text, now, until, screens, icon)
    try:
        build(root, now)
    except Exception:
        save_notices(root, before)  # not published: not kept either
        raise
    return notice


def create_notice(root: Path, text: str, now: datetime, until: datetime | None = None,
                  screens: list[str] | None = None, icon: str = "informatie") -> Notice:
    """Check and save a notice (the caller publishes it)."""
    site = load_and_check(root)
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise NarrowcastError(f"de tekst van een melding heeft 1 tot {MAX_TEXT} tekens; nu {len(text)}")
    unknown = [s for s in screens or [] if s not in site.screens]
    if unknown:
        raise NarrowcastError(f"onbekend scherm: {', '.join(unknown)}; kies uit: {', '.join(site.screens)}")
    if resolve(icon) is None:
        raise NarrowcastError(f"icoon '{icon}' bestaat niet")
    tz = ZoneInfo(site.config.timezone)
    if until is None:
        until = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz)
    if until <= now:
        raise NarrowcastError(f"--until ({until:%Y-%m-%d %H:%M}) ligt niet in de toekomst")
    notices = load_notices(root)
    notice = Notice(id=_new_id(now.astimezone(tz), {n.id for n in notices}), text=text, start=now, until=until,
                    screens=tuple(screens or ()), icon=icon)
    save_notices(root, notices + [notice])
    return notice


def cancel_notice(root: Path, notice_id: str, now: datetime) -> Notice:
    notice = end_notice(root, notice_id, now)
    if notice is None:
        running = ", ".join(n.id for n in active_notices(root, now)) or "geen"
        raise NarrowcastError(f"geen lopende melding '{notice_id}'; lopende meldingen: {running}")
    build(root, now)
    return notice


def list_notices(root: Path, now: datetime) -> list[Notice]:
    return active_notices(root, now)


def _new_id(local: datetime, taken: set[str]) -> str:
    base = f"melding-{local:%Y%m%d-%H%M}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident
