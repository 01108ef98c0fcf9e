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
    groups = _groups([entry for entry, _ in plan.entries])
    mode = plan.languages.mode if plan.languages else None
    rotation = _rotation(groups, plan.languages) if mode in (ROTATE, SIDE_BY_SIDE) else []
    loops = [_loop(groups, mode, lang, rotation) for lang in rotation] or [_loop(groups, None, None, [])]
    spans = {entry.item_id: s for entry, s in plan.entries}
    if any(entry.every for entry, _ in plan.entries):
        moments = _moments(spans, now, plan.window[1])
        loops = [_with_repeats(loop, spans, moments) for loop in loops]
    return [[entry.item_id for block in loop for slot in block for entry in slot] for loop in loops]


def _variant(entry) -> str | None:
    """Which version of its slide an entry is: None for the own language, 'ar' for a translation, '+ar' beside."""
    if entry.also:
        return f"+{entry.also}"
    return entry.lang if entry.slide.translations.get(entry.lang) else None


def _groups(entries) -> dict[str, dict[str | None, Slot]]:
    """Per slide (in order of first appearance), its variants in order, each with its entries."""
    groups: dict[str, dict[str | None, Slot]] = {}
    for entry in entries:
        groups.setdefault(entry.slide.id, {}).setdefault(_variant(entry), []).append(entry)
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
    """The loop with each `every` block repeated often enough at its busiest moment, the copies spread evenly."""
    every = [min((e.every for slot in b for e in slot if e.every), default=None) for b in loop]
    if not any(every):
        return loop
    busiest = max(moments, key=lambda at: sum(_block_seconds(b, spans, at) for b in loop))
    seconds = [_block_seconds(b, spans, busiest) for b in loop]
    counts = [1] * len(loop)
    for _ in range(10):  # each copy makes the loop longer, which may ask for another copy
        total = sum(s * c for s, c in zip(seconds, counts))
        wanted = [min(MAX_REPEATS, max(1, math.ceil(total / e))) if e and s else 1 for e, s in zip(every, seconds)]
        if wanted == counts:
            break
        counts = [max(c, w) for c, w in zip(counts, wanted)]
    return _spread(loop, seconds, counts)


def _spread(loop: list[Block], seconds: list[int], counts: list[int]) -> list[Block]:
    """Copies at even distances in time from the block's own place; each before the block that starts there."""
    length = sum(seconds) or 1
    timeline, start = [], 0.0
    for i, block in enumerate(loop):
        timeline.append((start, 1, i, block))
        start += seconds[i]
    starts = {i: t for t, _, i, _ in timeline}
    for i, count in enumerate(counts):
        for j in range(1, count):
            timeline.append(((starts[i] + j * length / count) % length, 0, i, loop[i]))
    return [block for _, _, _, block in sorted(timeline, key=lambda t: (t[0], t[1], t[2]))]


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
