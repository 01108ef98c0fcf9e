"""Soak the player: thousands of rotations in headless Chromium, memory at the start and the end.

    python bench/player_soak.py [--rotations 5000] [--seconds 3]

Builds a small content folder (three slides, the shortest duration), starts `narrowcast serve` on
it, opens the player, and runs the page clock one turn at a time, each time waiting until the new
picture is really on screen. Prints the JS heap (CDP Runtime.getHeapUsage after a forced GC) and
the memory of the Chromium processes (PSS of the whole tree, RSS of the page's renderer).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import write_files  # noqa: E402
from tests.serving import NarrowcastServer, free_port  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
SITE = """\
site: Duurtest
poll_seconds: 30
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: hal
"""


def content(root: Path, seconds: int) -> Path:
    slides = "\n---\n".join(  # few words: the reading-time check allows a short duration
        f"id: dia-{n}\ntitle: {title}\nicon: {icon}\nduration: {seconds}"
        for n, (title, icon) in enumerate([("Iets veranderd?", "bel"), ("Vragen over geld?", "geld"),
                                           ("Een huisbezoek", "huis")]))
    playlist = "id: hal\nname: Hal\nitems:\n" + "".join(f"  - slide: dia-{n}\n" for n in range(3))
    return write_files(root, {"narrowcast.yaml": SITE, "slides/dia.yaml": slides + "\n", "playlists/hal.yaml": playlist})


# --- process memory from /proc ------------------------------------------------------------------------

def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def chromium_tree(profile: Path) -> list[int]:
    roots = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
             and f"--user-data-dir={profile}" in _cmdline(int(p.name)) and "--type=" not in _cmdline(int(p.name))]
    tree, found, todo = _children(), [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def _kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(profile: Path) -> dict[str, float]:
    pids = chromium_tree(profile)
    renderers = [p for p in pids if "--type=renderer" in _cmdline(p)]
    return {"pss_total_mb": sum(_kb(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids) / 1024,
            "rss_total_mb": sum(_kb(Path(f"/proc/{p}/status"), "VmRSS") for p in pids) / 1024,
            "rss_renderer_mb": max((_kb(Path(f"/proc/{p}/status"), "VmRSS") for p in renderers), default=0) / 1024,
            "processes": len(pids)}


def heap(cdp) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1024 / 1024


def growth(a: float, b: float) -> str:
    return f"{(b - a) / a * 100:+.1f} %" if a else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rotations", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=5, help="duration of each slide (the reading-time check allows 5)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from narrowcast.render.browser import find_chromium, launch_args
    from narrowcast.publish.build import BuildOptions, build
    from narrowcast.render.pool import RenderPool

    print("command:", shlex.join(["python", *sys.argv]))
    print("cores:", os.cpu_count(), "| python", sys.version.split()[0])
    with tempfile.TemporaryDirectory(prefix="narrowcast-soak-") as tmp:
        tmp = Path(tmp)
        root = content(tmp / "inhoud", args.seconds)
        with ThreadPoolExecutor(1) as pool:
            with RenderPool() as renderer:  # its own thread: Playwright's sync API may run in this one later
                pool.submit(build, root, NOW, BuildOptions(), renderer).result()
        server = NarrowcastServer(root, free_port(), tmp / "serve.log")
        profile = tmp / "profiel"
        try:
            with sync_playwright() as p:
                context = p.chromium.launch_persistent_context(
                    profile, executable_path=find_chromium(shell=False), args=launch_args(),
                    viewport={"width": 1920, "height": 1080})
                print("chromium:", context.browser.version if context.browser else find_chromium(shell=False))
                page = context.pages[0] if context.pages else context.new_page()
                page.clock.install(time=NOW)
                page.goto(f"{server.base}/player/?screen=hal")
                cdp = context.new_cdp_session(page)
                state = lambda: page.evaluate("narrowcast.state()")  # noqa: E731
                turn = args.seconds * 1000

                def wait_shown(shows: int) -> dict:
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline:
                        s = state()
                        if s["shows"] >= shows and s["shown"] == s["current"]:
                            return s
                        time.sleep(0.005)
                    raise SystemExit(f"the player stopped turning: {s}")

                first = wait_shown(1)
                start_heap, start_mem = heap(cdp), memory(profile)
                started = time.monotonic()
                print(f"start: heap {start_heap:.2f} MB | {start_mem}")
                base = first["shows"]
                marks = {}
                for n in range(1, args.rotations + 1):
                    page.clock.run_for(turn)
                    s = wait_shown(base + n)
                    if n in (100, args.rotations // 2):
                        page.clock.run_for(1_500)
                        marks[n] = (heap(cdp), memory(profile))
                        print(f"after {n}: heap {marks[n][0]:.2f} MB | {marks[n][1]} | open bitmaps {s['bitmaps']}, "
                              f"layers {s['layers']}, {time.monotonic() - started:.0f} s")
                page.clock.run_for(1_500)  # the last cross-fade ends, as at the start
                end = state()
                end_heap, end_mem = heap(cdp), memory(profile)
                print(f"end ({end['shows'] - base} rotations, {time.monotonic() - started:.0f} s real, "
                      f"{(end['shows'] - base) * args.seconds / 3600:.1f} h of screen time): "
                      f"heap {end_heap:.2f} MB | {end_mem} | open bitmaps {end['bitmaps']}, layers {end['layers']}")
                print(f"growth start→end: JS heap {growth(start_heap, end_heap)}, "
                      f"renderer RSS {growth(start_mem['rss_renderer_mb'], end_mem['rss_renderer_mb'])}, "
                      f"Chromium PSS {growth(start_mem['pss_total_mb'], end_mem['pss_total_mb'])}")
                if 100 in marks:
                    h, m = marks[100]
                    print(f"growth after-100→end: JS heap {growth(h, end_heap)}, "
                          f"renderer RSS {growth(m['rss_renderer_mb'], end_mem['rss_renderer_mb'])}, "
                          f"Chromium PSS {growth(m['pss_total_mb'], end_mem['pss_total_mb'])}")
                context.close()
        finally:
            server.stop(quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
