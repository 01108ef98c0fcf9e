"""Urgent notices: made, checked and published at once; ended by hand or by their own clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from typing import TYPE_CHECKING

from ..assets.icons import resolve
from ..check import check_text, check_tone
from ..check.content import rules_from
from ..content.fields import hidden_character_problem
from ..errors import Finding, NarrowcastError
from ..state.files import Notice, active_notices, add_notice, end_notice, remove_notice
from .build import BuildOptions, build, load_and_check
from .policy import refuse_or_record

if TYPE_CHECKING:
    from ..render.pool import RenderPool

MAX_TEXT = 140


def publish_notice(root: Path, text: str, now: datetime, renderer: "RenderPool", until: datetime | None = None,
                   screens: list[str] | None = None, icon: str = "informatie", force: str | None = None) -> Notice:
    """Save a notice and publish a build that shows it; nothing is kept when the build fails."""
    notice = create_notice(root, text, now, until, screens, icon, force)
    try:
        build(root, now, BuildOptions(force=force), renderer)
    except BaseException:
        remove_notice(root, notice.id)  # not published: not kept either
        raise
    return notice


def create_notice(root: Path, text: str, now: datetime, until: datetime | None = None,
                  screens: list[str] | None = None, icon: str = "informatie", force: str | None = None) -> Notice:
    """Check and save a notice (the caller publishes it): the same language checks as any slide."""
    site, _ = load_and_check(root, force)
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise NarrowcastError(f"de tekst van een melding heeft 1 tot {MAX_TEXT} tekens; nu {len(text)}")
    if hidden := hidden_character_problem(text):
        raise NarrowcastError(f"melding: {hidden}")
    problems = notice_findings(site, text)
    refuse_or_record(root, force, problems, problems)
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
    return add_notice(root, lambda saved: Notice(id=_new_id(now.astimezone(tz), {n.id for n in saved}), text=text,
                                                 start=now, until=until, screens=tuple(screens or ()), icon=icon))


def notice_findings(site, text: str) -> list[Finding]:
    """Plain-language and tone findings for a notice's text, as if it were a slide title."""
    rules = rules_from(site.config.checks)
    return [Finding("melding", 0, 0, "tekst", f.message.rstrip(".") + (f"; {f.suggestion}" if f.suggestion else ""),
                    f.severity, f.rule) for f in check_text(text, rules) + check_tone(text)]


def cancel_notice(root: Path, notice_id: str, now: datetime, renderer: "RenderPool") -> Notice:
    notice = end_notice(root, notice_id, now)
    if notice is None:
        running = ", ".join(n.id for n in active_notices(root, now)) or "geen"
        raise NarrowcastError(f"geen lopende melding '{notice_id}'; lopende meldingen: {running}")
    build(root, now, BuildOptions(), renderer)
    return notice


def list_notices(root: Path, now: datetime) -> list[Notice]:
    return active_notices(root, now)


def _new_id(local: datetime, taken: set[str]) -> str:
    base = f"melding-{local:%Y%m%d-%H%M}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident
