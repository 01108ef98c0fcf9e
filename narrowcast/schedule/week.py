"""A screen's coming week as changes: what `narrowcast schedule --week` prints and the studio's calendar shows.

Built on `next_change_after` and `live_items`, so the week says exactly what the plan says.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from ..content.ids import ItemId
from ..content.lawfacts import filled
from ..content.model import Screen, Site
from ..state.files import Notice
from .plan import Entry, live_items, next_change_after

WEEK = timedelta(days=7)


def week_states(site: Site, screen: Screen, at: datetime, notices: Sequence[Notice] = (),
                until: datetime | None = None) -> Iterator[tuple[datetime, dict[ItemId, Entry]]]:
    """What the screen shows at `at`, then at each moment before `until` (a week on) when that changes.

    Items are keyed without their countdown day: a countdown's new day is no change, the same
    slide says another number.
    """
    def shown(moment) -> dict[ItemId, Entry]:
        return {replace(e.id, day=None): e for e in live_items(site, screen, moment, notices)}

    until = until or at + WEEK
    before = shown(at)
    yield at, before
    moment = at
    while (moment := next_change_after(site, screen, moment, notices)) and moment < until:
        after = shown(moment)
        if after.keys() != before.keys():
            yield moment, after
        before = after


def week_changes(site: Site, screen: Screen, at: datetime, notices: Sequence[Notice] = ()) -> list[dict]:
    """Each moment in the next seven days when what the screen plays changes, with what comes and goes."""
    return changes_of(list(week_states(site, screen, at, notices)), site.config.language)


def changes_of(states: list[tuple[datetime, dict[ItemId, Entry]]], site_language: str) -> list[dict]:
    """The week's states as changes: the moment, the names of what comes and of what goes."""
    changes = []
    for (_, before), (moment, after) in zip(states, states[1:]):
        changes.append({"at": moment.isoformat(),
                        "added": slide_names([after[k] for k in after if k not in before], site_language),
                        "removed": slide_names([before[k] for k in before if k not in after], site_language)})
    return changes


def slide_title(entry: Entry, site_language: str) -> str:
    """The Dutch title as it shows ({datum} filled in), a law's phase said: "… (aankondiging)", "… (geldt nu)"."""
    dutch = filled(entry.slide, site_language, entry.days_left, entry.slide.title)
    if entry.slide.phase:  # a law's two phases often share a title
        dutch += " (aankondiging)" if entry.slide.phase.part == "before" else " (geldt nu)"
    return dutch


def slide_names(entries: list[Entry], site_language: str) -> list[str]:
    """Entries as people know them: one line per slide, its Dutch title and the languages it comes in."""
    by_slide: dict[str, tuple[str, list[str]]] = {}
    for entry in entries:
        title, langs = by_slide.setdefault(entry.slide.id, (slide_title(entry, site_language), []))
        lang = f"+{entry.also}" if entry.also else entry.lang
        if lang not in langs:
            langs.append(lang)
    return [f"{title} ({', '.join(langs)})" if len(langs) > 1 or langs[0].startswith("+") else title
            for title, langs in by_slide.values()]


def grouped(result: dict) -> list[tuple[list[str], object]]:
    """Screens that play exactly the same, as one group: one table instead of three equal ones."""
    groups: list[tuple[list[str], object]] = []
    for screen_id, value in result.items():
        for names, other in groups:
            if other == value:
                names.append(screen_id)
                break
        else:
            groups.append(([screen_id], value))
    return groups
