"""How much the loop costs: planning a screen with N translated slides in each language mode.

    python bench/loops.py [--sizes 50 200] [--runs 7]

Prints, per size and mode, the median time of `plan_screen` (which builds the loops) and of
`loop_figures`, and the loop length at 10:00. Planning runs often: per build and screen, and per
change moment in `schedule --week`, `next_change_after` and the dashboard.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from narrowcast.content.load import load_site  # noqa: E402
from narrowcast.schedule.loop import loop_figures  # noqa: E402  (bench of the new code only)
from narrowcast.schedule.plan import plan_screen  # noqa: E402

AT = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
LANGS = {"en": "Welcome", "ar": "أهلا وسهلا", "tr": "Hoş geldiniz", "pl": "Witamy", "uk": "Ласкаво просимо"}


def folder(root: Path, size: int, mode: str) -> Path:
    slides = []
    for i in range(size):
        translations = "".join(f"  {lang}: {{title: '{word} {i}'}}\n" for lang, word in LANGS.items())
        every = "every: 5m\n" if i == 1 else ""
        hours = "hours: '8:30-12:00'\n" if i % 7 == 3 else ""
        slides.append(f"id: dia-{i}\ntitle: Welkom nummer {i}\nduration: 10\n{every}{hours}translations:\n{translations}")
    (root / "slides").mkdir(parents=True)
    (root / "playlists").mkdir()
    (root / "slides/dia.yaml").write_text("---\n".join(slides), encoding="utf-8")
    (root / "playlists/hal.yaml").write_text(f"id: hal\nname: Hal\nlanguage_mode: {mode}\nitems:\n"
                                             + "".join(f"  - slide: dia-{i}\n" for i in range(size)), encoding="utf-8")
    (root / "narrowcast.yaml").write_text("site: Bank\nscreens:\n  - id: hal\n    name: Hal\n    resolution: 1920x1080\n"
                                          "    diagonal: 55\n    distance: 4\n    playlist: hal\n", encoding="utf-8")
    return root


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"{'slides':>6} {'mode':<13} {'plan_screen ms':>15} {'loop_figures ms':>16} {'loops':>6} {'loop s':>7}")
    for size in args.sizes:
        for mode in ("sequential", "rotate", "side-by-side"):
            with tempfile.TemporaryDirectory() as tmp:
                site, findings = load_site(folder(Path(tmp), size, mode))
                assert site is not None, findings
                screen = site.screens["hal"]
                plan = plan_screen(site, screen, AT)
                figures = loop_figures(plan, AT)
                planning = median_ms(lambda: plan_screen(site, screen, AT), args.runs)
                counting = median_ms(lambda: loop_figures(plan, AT), args.runs)
                print(f"{size:>6} {mode:<13} {planning:>15.1f} {counting:>16.2f} {len(plan.loops):>6} {figures.loop_seconds:>7}")


if __name__ == "__main__":
    main()
