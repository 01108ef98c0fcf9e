"""The loop: the order in which a screen plays its items, decided here and carried by the manifest.

A plan's entries are grouped per slide into blocks (the Dutch slide and the translations that go
with it in that loop). Sequential: one loop, each slide followed by all its translations. Rotate:
one loop per language, each slide followed by its translation in that loop's language, so over N
loops every language comes round. Side by side: one loop per language, each slide once with that
language beside it (or the next language it has). A slide with `every` is repeated within each
loop, spread evenly, so it comes round at least that often at the busiest moment. The player only
walks the loops in turn and skips what is not live; it decides nothing.

Works on plans duck-typed (entries with `item_id`, `slide`, `lang`, `also`, `duration`, `every`),
so that this module does not import plan.py, which imports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from .languages import ROTATE, SIDE_BY_SIDE

MAX_REPEATS = 6  # a slide comes round at most this often in one loop, whatever its `every` asks

Slot = list  # entries that take one place in a loop: a slide in one variant, on its different countdown days
Block = list  # the slots of one slide within one loop: its Dutch and the translation(s) shown with it


@dataclass(frozen=True)
class LoopFigures:
    """One moment on one screen: the longest loop's length, how many loops rotate, plays per hour per item."""

    loop_seconds: int
    loops: int
    plays_per_hour: dict[str, float]


def build_loops(plan, now: datetime) -> list[list[str]]:
    """The item ids of each loop, in play order; one loop when nothing rotates."""
    if not plan.entries:
        return []
    groups = _groups([entry for entry, _ in plan.entries], plan.languages.own if plan.languages else None)
    mode = plan.languages.mode if plan.languages else None
    rotation = _rotation(groups, plan.languages) if mode in (ROTATE, SIDE_BY_SIDE) else []
    loops = [_loop(groups, mode, lang, rotation) for lang in rotation] or [_loop(groups, None, None, [])]
    spans = {entry.item_id: s for entry, s in plan.entries}
    if any(entry.every for entry, _ in plan.entries):
        moments = _moments(spans, now, plan.window[1])
        loops = [_with_repeats(loop, spans, moments) for loop in loops]
    return [[entry.item_id for block in loop for slot in block for entry in slot] for loop in loops]


def _variant(entry, own: str | None) -> str | None:
    """Which version of its slide an entry is: None for the own language, 'ar' for a translation, '+ar' beside."""
    if entry.also:
        return f"+{entry.also}"
    return None if entry.lang == own else entry.lang


def _groups(entries, own: str | None) -> dict[str, dict[str | None, Slot]]:
    """Per slide (in order of first appearance), its variants in order, each with its entries."""
    groups: dict[str, dict[str | None, Slot]] = {}
    for entry in entries:
        groups.setdefault(entry.slide.id, {}).setdefault(_variant(entry, own), []).append(entry)
    return groups


def _rotation(groups, languages) -> list[str]:
    """The languages the loops take turns with: the screen's order, else the order they first appear in."""
    seen: list[str] = []
    for variants in groups.values():
        for variant in variants:
            lang = variant.lstrip("+") if variant else None
            if lang and lang not in seen:
                seen.append(lang)
    if languages is not None and languages.shown is not None:
        seen.sort(key=languages.shown.index)
    return seen


def _loop(groups, mode, lang: str | None, rotation: list[str]) -> list[Block]:
    blocks = []
    for variants in groups.values():
        if mode == ROTATE:
            block = [variants[v] for v in (None, lang) if v in variants]
        elif mode == SIDE_BY_SIDE:
            block = [_beside(variants, lang, rotation)]
        else:
            block = list(variants.values())
        blocks.append(block)
    return blocks


def _beside(variants, lang: str, rotation: list[str]) -> Slot:
    """The side-by-side version in this loop's language, else the next language the slide has, else its Dutch."""
    start = rotation.index(lang)
    for other in rotation[start:] + rotation[:start]:
        if f"+{other}" in variants:
            return variants[f"+{other}"]
    return variants.get(None) or next(iter(variants.values()))


# --- coming round more often ---------------------------------------------------------------------------

def _live(entry, spans, at: datetime) -> bool:
    return any(a <= at < b for a, b in spans[entry.item_id])


def _block_seconds(block: Block, spans, at: datetime) -> int:
    """How long a block plays at a moment: per slot, the entry live then (a countdown has one per day)."""
    total = 0
    for slot in block:
        total += next((e.duration for e in slot if _live(e, spans, at)), 0)
    return total


def _moments(spans, now: datetime, end: datetime) -> list[datetime]:
    """Every moment from now on at which what is live can change: the only ones a loop's length can peak at."""
    now = now.astimezone(timezone.utc)
    return sorted({now} | {edge for s in spans.values() for a, b in s for edge in (a, b) if now < edge < end})


def _with_repeats(loop: list[Block], spans, moments: list[datetime]) -> list[Block]:
    """The loop with each `every` block repeated often enough, the copies spread evenly.

    A block's count is taken at the moment it is live at which the loop is longest (a block that
    only plays in the afternoon is counted against the afternoon's loop).
    """
    every = [min((e.every for slot in b for e in slot if e.every), default=None) for b in loop]
    if not any(every):
        return loop
    length = {at: sum(_block_seconds(b, spans, at) for b in loop) for at in moments}
    counts, seconds = [1] * len(loop), [0] * len(loop)
    for i, block in enumerate(loop):
        live = [at for at in moments if _block_seconds(block, spans, at)]
        if every[i] and live:
            busiest = max(live, key=length.__getitem__)
            seconds[i] = _block_seconds(block, spans, busiest)
            counts[i] = _count(length[busiest], seconds[i], every[i])
    return _spread(loop, [_nominal(b) for b in loop], counts)


def _count(loop_seconds: int, own: int, every: int) -> int:
    """Turns a block needs so that the loop, its copies included, brings it round every `every` seconds."""
    count = 1
    for _ in range(10):  # each copy makes the loop longer, which may ask for another copy
        wanted = min(MAX_REPEATS, max(1, math.ceil((loop_seconds + (count - 1) * own) / every)))
        if wanted <= count:
            break
        count = wanted
    return count


def _nominal(block: Block) -> int:
    return sum(max(e.duration for e in slot) for slot in block)


def _spread(loop: list[Block], seconds: list[int], counts: list[int]) -> list[Block]:
    """Each repeated block at the head of k stretches of the other blocks of about equal length: its
    turns then come at even distances, never two in a row. The loop still starts where it did."""
    order = [(block, s) for block, s in zip(loop, seconds)]
    for i, count in enumerate(counts):
        block = loop[i]
        place = next(k for k, (b, _) in enumerate(order) if b is block)
        others = order[place + 1:] + order[:place]  # from just after the block round to just before it
        count = min(count, len(others))
        if count < 2:
            continue
        total, stretches, clock = sum(s for _, s in others) or 1, [[] for _ in range(count)], 0.0
        for item in others:
            stretches[min(count - 1, int(clock * count / total + 1e-9))].append(item)
            clock += item[1]
        order = [part for stretch in stretches if stretch for part in [(block, seconds[i]), *stretch]]
        first = next(k for k, (b, _) in enumerate(order) if b is loop[0])
        order = order[first:] + order[:first]
    return [block for block, _ in order]


def longest_gap(plan, at: datetime, slide_id: str) -> float | None:
    """The longest wait in seconds, start to start, between two turns of a slide in the site's own
    language (or side by side) as the loops play at `at`; None when it does not play then."""
    at = at.astimezone(timezone.utc)
    own = plan.languages.own if plan.languages else None
    entries = {entry.item_id: (entry, s) for entry, s in plan.entries}
    clock, starts = 0.0, []
    for ident in (ident for loop in plan.loops for ident in loop):
        entry, s = entries[ident]
        if any(a <= at < b for a, b in s):
            if entry.slide.id == slide_id and entry.lang == own:
                starts.append(clock)
            clock += entry.duration
    if not starts:
        return None
    return max(b - a for a, b in zip(starts, starts[1:] + [starts[0] + clock]))


# --- figures -------------------------------------------------------------------------------------------

def loop_figures(plan, at: datetime) -> LoopFigures:
    """The loop as a visitor meets it at `at`: its length in seconds, and how often each live item comes per hour."""
    at = at.astimezone(timezone.utc)
    spans = {entry.item_id: s for entry, s in plan.entries}
    durations = {entry.item_id: entry.duration for entry, _ in plan.entries}
    live = {ident for ident, s in spans.items() if any(a <= at < b for a, b in s)}
    lengths, counts = [], {}
    for loop in plan.loops:
        played = [ident for ident in loop if ident in live]
        lengths.append(sum(durations[ident] for ident in played))
        for ident in played:
            counts[ident] = counts.get(ident, 0) + 1
    cycle = sum(lengths)
    if not cycle:  # nothing live: the fallback stands
        fallback = plan.fallback
        return LoopFigures(fallback.duration if fallback else 0, 1, {fallback.item_id: 3600 / max(1, fallback.duration)} if fallback else {})
    return LoopFigures(max(lengths), len([n for n in lengths if n]),
                       {ident: round(count * 3600 / cycle, 1) for ident, count in counts.items()})
