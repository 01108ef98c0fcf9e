"""Build speed and memory: narrowcast against Marp CLI, one changed slide, the peak of the process tree.

    python bench/build_vs_marp.py [--sizes 50 200] [--runs 3] [--jobs 2] [--skip-marp]

1. cold: K generated slides (a Dutch title, a sentence and an icon; one 1920x1080 screen) built by
   `narrowcast build` as a subprocess with an empty cache, browser launch included, against one
   `marp --images png --image-scale 1.5` run over a 1280x720 deck of the same K slides (so its
   PNGs are 1920x1080 too). Image count and pixel size of both are checked; median of --runs, the
   runs of the two interleaved.
2. incremental: one slide of the largest K changed, from the file save to the new manifest version
   (output/ swapped to a new build; one readlink every 5 ms), as a cold `narrowcast build` process
   (also until that process has exited) and through a running `narrowcast serve` (its watcher).
3. memory: the peak of the summed RSS of the whole process tree (Python, Playwright's driver and
   every Chromium process), sampled every 50 ms during the cold build of the largest K.

Marp CLI is installed with npm into ~/.cache/narrowcast-bench/marp (never into the repository) and
runs with CHROME_PATH=$NARROWCAST_CHROMIUM or the Chromium narrowcast itself would use.
Needs psutil and Pillow (`pip install -e '.[test]'`), Node 20 and npm for Marp.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
MARP_DIR = Path.home() / ".cache" / "narrowcast-bench" / "marp"
MARP_PACKAGE = "@marp-team/marp-cli@4"
ICONS = ["bel", "brief", "geld", "huis", "agenda", "document", "computer", "gesprek", "hart", "boek"]
ICON_FILES = {"bel": "bell", "brief": "mail", "geld": "banknote", "huis": "house", "agenda": "calendar-days",
              "document": "file-text", "computer": "laptop", "gesprek": "message-circle", "hart": "heart",
              "boek": "book-open"}
TITLES = ["Verandert er iets", "Hulp bij geld", "Uw afspraak", "Post van ons", "Werk zoeken",
          "Vragen over uw uitkering", "Een brief invullen", "Uw gegevens", "Hulp thuis", "Op tijd betalen"]
TEXTS = ["Geef het binnen 1 week aan ons door.", "Wij helpen u graag. Vraag het aan de balie.",
         "Neem uw brief mee naar de afspraak.", "Lees de brief goed. Bel ons als iets niet klopt.",
         "Kijk op onze website voor meer hulp."]
SITE = """\
site: Werkplein Test
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: alles
"""


# --- content --------------------------------------------------------------------------------------

def slide_text(i: int) -> tuple[str, str, str]:
    return f"{TITLES[i % len(TITLES)]} ({i + 1})", TEXTS[i % len(TEXTS)], ICONS[i % len(ICONS)]


def write_content(root: Path, count: int) -> Path:
    """A content folder with `count` slides on one screen; the first is also the fallback."""
    (root / "slides").mkdir(parents=True)
    (root / "playlists").mkdir()
    (root / "narrowcast.yaml").write_text(SITE, encoding="utf-8")
    for i in range(count):
        write_slide(root, i)
    (root / "playlists/alles.yaml").write_text("id: alles\nname: Alles\nfallback: dia-000\nitems:\n  - tag: alles\n",
                                               encoding="utf-8")
    return root


def write_slide(root: Path, i: int, suffix: str = "") -> None:
    title, text, icon = slide_text(i)
    (root / f"slides/dia-{i:03d}.yaml").write_text(
        f"id: dia-{i:03d}\ntitle: {title}{suffix}\ntext: {text}\nicon: {icon}\ntags: [alles]\n", encoding="utf-8")


def write_deck(folder: Path, count: int) -> Path:
    """The same slides as a Marp deck at 1280x720, the icons as local SVG files."""
    folder.mkdir(parents=True)
    for word, name in ICON_FILES.items():
        shutil.copy(REPO / "narrowcast/assets/icons/lucide" / f"{name}.svg", folder / f"{word}.svg")
    slides = []
    for i in range(count):
        title, text, icon = slide_text(i)
        slides.append(f"# {title}\n\n{text}\n\n![w:240]({icon}.svg)\n")
    deck = folder / "deck.md"
    deck.write_text("---\nmarp: true\nsize: 16:9\n---\n\n" + "\n---\n\n".join(slides), encoding="utf-8")
    return deck


def clear_builds(root: Path) -> None:
    """An empty cache and no earlier output: the build starts from nothing."""
    for name in ("output",):
        if (root / name).is_symlink():
            (root / name).unlink()
    for name in (".output.builds", ".narrowcast-cache", "output"):
        shutil.rmtree(root / name, ignore_errors=True)


# --- measuring ------------------------------------------------------------------------------------

def narrowcast_cmd(root: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "narrowcast", "-C", str(root), "build", "-q", "--jobs", str(jobs)]


def run_timed(cmd: list[str], env: dict | None = None, sample_memory: bool = False,
              at_peak: list | None = None) -> tuple[float, int]:
    """(seconds, peak summed RSS in bytes of the process and all its descendants, if sampled).

    `at_peak` receives each process's RSS (MB) at the peak moment."""
    at_peak = at_peak if at_peak is not None else []
    started = time.perf_counter()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, parts = 0, []
            try:
                family = [proc] + proc.children(recursive=True)
            except psutil.Error:
                family = []
            for p in family:
                try:
                    rss = p.memory_info().rss
                    kind = next((a[7:] for a in p.cmdline() if a.startswith("--type=")), p.name())
                except psutil.Error:
                    continue
                total += rss
                parts.append(f"{kind} {rss / 2**20:.0f}")
            if total > peak[0]:
                peak[0], at_peak[:] = total, parts
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    if sample_memory:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {shlex.join(cmd)}\n{out.decode()}\n{err.decode()}")
    return seconds, peak[0]


def check_pngs(paths: list[Path], count: int, size: tuple[int, int], who: str) -> None:
    if len(paths) != count:
        raise SystemExit(f"{who}: {len(paths)} PNGs, expected {count}")
    sizes = {Image.open(p).size for p in paths}
    if sizes != {size}:
        raise SystemExit(f"{who}: PNG sizes {sizes}, expected {size}")


def published(root: Path) -> str | None:
    """Where output/ points now: publishing swaps this link, so a new target is a new version.

    Polling the link (one readlink) instead of parsing the manifest every 5 ms keeps the poller
    from taking CPU away from the build it is timing."""
    try:
        return os.readlink(root / "output")
    except OSError:
        return None


def wait_published(root: Path, before: str | None, deadline: float) -> float:
    while published(root) == before:
        if time.perf_counter() > deadline:
            raise SystemExit("no new version was published")
        time.sleep(0.005)
    return time.perf_counter()


def manifest_version(root: Path) -> str | None:
    try:
        return json.loads((root / "output/screens/hal/manifest.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def marp_bin(chromium: str) -> tuple[list[str], dict]:
    marp = MARP_DIR / "node_modules/.bin/marp"
    if not marp.exists():
        print(f"installing {MARP_PACKAGE} into {MARP_DIR} …", flush=True)
        MARP_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(MARP_DIR), MARP_PACKAGE],
                       check=True, capture_output=True)
    env = dict(os.environ, CHROME_PATH=chromium)
    return [str(marp)], env


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt(values: list[float]) -> str:
    return f"median {median(values):6.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})"


# --- the three parts ------------------------------------------------------------------------------

def cold(work: Path, sizes: list[int], runs: int, jobs: int, skip_marp: bool, chromium: str) -> None:
    print("\n== cold build: empty cache, browser launch included ==")
    marp_cmd, marp_env = ([], {}) if skip_marp else marp_bin(chromium)
    for count in sizes:
        root = write_content(work / f"inhoud-{count}", count)
        deck = None if skip_marp else write_deck(work / f"marp-{count}", count)
        ours, theirs = [], []
        # Interleaved (ours, theirs, ours, …): a machine that slows down or speeds up during the
        # benchmark then affects both alike.
        for _ in range(runs):
            clear_builds(root)
            ours.append(run_timed(narrowcast_cmd(root, jobs))[0])
            if deck is not None:
                out = deck.parent / "png"
                shutil.rmtree(out, ignore_errors=True)
                cmd = marp_cmd + ["--images", "png", "--image-scale", "1.5", "--allow-local-files", str(deck),
                                  "-o", str(out / "deck.png")]
                theirs.append(run_timed(cmd, env=marp_env)[0])
        check_pngs(sorted((root / "output/media").glob("*.png")), count, (1920, 1080), "narrowcast")
        print(f"K={count:3d} narrowcast build --jobs {jobs}: {fmt(ours)}  = {median(ours) / count * 1000:.0f} ms/slide")
        if deck is None:
            continue
        check_pngs(sorted(out.glob("deck.*.png")), count, (1920, 1080), "marp")
        print(f"K={count:3d} marp --images png --image-scale 1.5: {fmt(theirs)}  = {median(theirs) / count * 1000:.0f} ms/slide")
        pairs = ", ".join(f"{b / a:.2f}" for a, b in zip(ours, theirs))
        print(f"K={count:3d} ratio marp / narrowcast: {median(theirs) / median(ours):.2f}x  (run by run: {pairs})")


def incremental(work: Path, count: int, runs: int, jobs: int) -> None:
    print(f"\n== one changed slide of {count}: from the file save to the new manifest version ==")
    root = write_content(work / f"incrementeel-{count}", count)
    run_timed(narrowcast_cmd(root, jobs))
    as_build, as_exit = [], []
    for n in range(runs):
        before, version = published(root), manifest_version(root)
        started = time.perf_counter()
        write_slide(root, 7 + n, f" (versie {n})")
        proc = subprocess.Popen(narrowcast_cmd(root, jobs), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        as_build.append(wait_published(root, before, started + 60) - started)
        if proc.wait() != 0:
            raise SystemExit(f"build failed: {proc.stderr.read().decode()}")
        as_exit.append(time.perf_counter() - started)
        assert manifest_version(root) != version
    print(f"cold `narrowcast build` process, to the new manifest: {fmt(as_build)}")
    print(f"cold `narrowcast build` process, until it has exited (Chromium closed): {fmt(as_exit)}")

    port = _free_port()
    serve = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(root), "serve", "--port", str(port),
                              "--jobs", str(jobs)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        _wait_healthy(port, serve)
        as_serve = []
        for n in range(runs):
            time.sleep(1.0)  # let the watcher settle after the previous rebuild
            before, version = published(root), manifest_version(root)
            started = time.perf_counter()
            write_slide(root, 20 + n, f" (versie {n})")
            as_serve.append(wait_published(root, before, started + 30) - started)
            assert manifest_version(root) != version
        print(f"through `narrowcast serve` (watcher, warm browser): {fmt(as_serve)}")
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=15)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()


def memory(work: Path, count: int, jobs: int) -> None:
    print(f"\n== memory: cold build of {count} slides ==")
    root = write_content(work / f"geheugen-{count}", count)
    parts: list[str] = []
    seconds, peak = run_timed(narrowcast_cmd(root, jobs), sample_memory=True, at_peak=parts)
    print(f"peak summed RSS of the process tree (Chromium included, sampled every 50 ms): {peak / 2**20:.0f} MB"
          f"  (build {seconds:.2f} s)")
    print(f"  at the peak, MB per process: {', '.join(parts)}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, proc: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve stopped:\n{proc.stdout.read().decode()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if json.load(response).get("screens"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("serve did not become healthy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-marp", action="store_true")
    parser.add_argument("--only", choices=["cold", "incremental", "memory"], nargs="+")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from narrowcast.render.browser import find_chromium, launch_args

    chromium = find_chromium()
    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"command: {shlex.join([Path(sys.executable).name] + sys.argv)}")
    print(f"machine: {os.cpu_count()} cores, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"Python {sys.version.split()[0]}; {version or chromium}")
    print(f"browser (narrowcast and Marp's CHROME_PATH): {chromium} {' '.join(launch_args(chromium))}")
    parts = args.only or ["cold", "incremental", "memory"]
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as tmp:
        work = Path(tmp)
        if "cold" in parts:
            cold(work, args.sizes, args.runs, args.jobs, args.skip_marp, chromium)
        if "incremental" in parts:
            incremental(work, max(args.sizes), args.runs, args.jobs)
        if "memory" in parts:
            memory(work, max(args.sizes), args.jobs)
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
