"""Load on two `narrowcast serve` instances on one content folder and one PostgreSQL database.

    python bench/cluster.py [--sse 10000] [--pollers 100] [--seconds 15] [--rate 1000]

Starts a throw-away PostgreSQL (tests/pgcluster.py) and two real servers on 127.0.0.1 over a
temporary copy of the example content; opens half the SSE connections on each; runs conditional
GETs (If-None-Match) paced at --rate per second in all, spread over both; half-way, saves a slide
that every screen shows. Only the builder builds; it tells the other over LISTEN/NOTIFY, and each
instance pushes the new version to its own screens. Prints the GETs' p50/p99 latency, how many SSE
clients on each instance got the new version and when (the rebuild included), and each instance's
RSS (the server process and its children: the build worker and its Chromium on the builder).
Target (issue 17): 10,000 SSE screens over two instances plus 1,000 conditional GETs/s, every
broadcast delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from serve_load import direct, percentile, poller, raise_fd_limit, sse_client  # noqa: E402

from narrowcast.commands.example import copy_example  # noqa: E402
from narrowcast.publish.build import BuildOptions, build  # noqa: E402
from narrowcast.render.pool import RenderPool  # noqa: E402
from tests.pgcluster import ThrowawayPostgres  # noqa: E402
from tests.serving import free_port  # noqa: E402


def raise_limits(wanted: int) -> None:
    """As root the hard limit may go up too (to fs.nr_open); otherwise up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if os.geteuid() == 0 and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return
        except (ValueError, OSError):
            pass
    raise_fd_limit(wanted)


def health(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read())


def rss_mb(pid: int) -> float:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


async def main_async(args, ports: list[int], root: Path, screens: list[str], pids: list[int]) -> None:
    etags = {s: urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/screens/{s}/manifest.json").headers["ETag"]
             for s in screens}
    first = asyncio.Event()
    versions: dict[int, list] = {}
    ready = [0, args.sse]
    on = {i: ports[i % 2] for i in range(args.sse)}  # every other screen on the other instance
    opened = time.monotonic()
    tasks = []
    for i in range(args.sse):
        tasks.append(asyncio.create_task(sse_client(on[i], screens[i % len(screens)], first, versions, i, ready)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(first.wait(), timeout=300)
    print(f"SSE: {args.sse} connections open and greeted in {time.monotonic() - opened:.1f} s "
          f"({args.sse // 2} on each instance)")
    print("RSS before the save: " + ", ".join(f"instance {n + 1} {rss_mb(pid):.0f} MB" for n, pid in enumerate(pids)))

    latencies: list = []
    statuses: dict[str, int] = {}
    stop = time.monotonic() + args.seconds
    interval = args.pollers / args.rate
    pollers = []
    for k in range(args.pollers):
        pollers.append(asyncio.create_task(poller(ports[k % 2], screens, dict(etags), stop, latencies, statuses, interval)))
        await asyncio.sleep(interval / args.pollers)
    await asyncio.sleep(args.seconds / 2)
    slide = root / "slides" / "welkom.yaml"
    slide.write_text(slide.read_text(encoding="utf-8").replace("title: ", "title: Hallo, ", 1), encoding="utf-8")
    saved = time.monotonic()
    await asyncio.gather(*pollers)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(len(v) >= 2 for v in versions.values()) < args.sse:
        await asyncio.sleep(0.1)
    rss = [rss_mb(pid) for pid in pids]
    all_lat = [lat for _, lat in latencies]
    steady = [lat for at, lat in latencies if at < saved]
    print(f"conditional GETs (paced at {args.rate:g}/s over both): {len(all_lat)} in {args.seconds:g} s = "
          f"{len(all_lat) / args.seconds:.0f}/s from {args.pollers} keep-alive clients, status {statuses}; "
          f"latency p50 {percentile(all_lat, 50) * 1000:.1f} ms, p99 {percentile(all_lat, 99) * 1000:.1f} ms "
          f"(before the save: p50 {percentile(steady, 50) * 1000:.1f} ms, p99 {percentile(steady, 99) * 1000:.1f} ms)")
    for n, port in enumerate(ports):
        mine = [v[1][1] - saved for i, v in versions.items() if on[i] == port and len(v) >= 2]
        role = health(port)["role"]
        if mine:
            print(f"broadcast on instance {n + 1} ({role}): {len(mine)}/{args.sse // 2} got the new version; after the save "
                  f"(rebuild included): first {min(mine):.2f} s, p50 {statistics.median(mine):.2f} s, last {max(mine):.2f} s")
        else:
            print(f"broadcast on instance {n + 1} ({role}): 0/{args.sse // 2}")
    delivered = [v[1][1] - saved for v in versions.values() if len(v) >= 2]
    print(f"all: {len(delivered)}/{args.sse} delivered" + (f", last {max(delivered):.2f} s after the save" if delivered else ""))
    print("builds: " + ", ".join(f"instance {n + 1} {health(port)['builds']}" for n, port in enumerate(ports)))
    print("RSS after: " + ", ".join(f"instance {n + 1} {mb:.0f} MB (with children)" for n, mb in enumerate(rss)))
    for task in tasks:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sse", type=int, default=10000)
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=1000, help="conditional GETs per second in all")
    parser.add_argument("--logs", type=Path, help="copy both servers' logs into this folder at the end")
    args = parser.parse_args()
    raise_limits(args.sse * 2 + 2000)  # the servers inherit it
    print(f"command: python bench/cluster.py --sse {args.sse} --pollers {args.pollers} --seconds {args.seconds:g} "
          f"--rate {args.rate:g}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; PostgreSQL, both servers and the "
          f"load generator share them; open files limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    work = Path(tempfile.mkdtemp(prefix="nc-cluster-"))
    root = work / "voorbeeld"
    copy_example(root)
    direct(root)  # the bench measures the push, not the approval: every save goes live
    with RenderPool() as renderer:
        build(root, datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), BuildOptions(), renderer)
    servers, logs = [], []
    with ThrowawayPostgres() as postgres:
        env = {**os.environ, "NARROWCAST_DATABASE_URL": postgres.new_database("bench")}
        ports = [free_port(), free_port()]
        try:
            for n, port in enumerate(ports):
                logs.append(open(work / f"serve{n + 1}.log", "wb"))
                servers.append(subprocess.Popen(
                    [sys.executable, "-m", "narrowcast", "-C", str(root), "serve", "--port", str(port), "--at",
                     "2026-11-23 10:00"], stdout=logs[-1], stderr=subprocess.STDOUT, start_new_session=True, env=env))
            deadline = time.monotonic() + 120
            while True:
                try:
                    found = [health(port) for port in ports]
                    if (any(h["role"] == "bouwer" and h["builds"] >= 1 for h in found)
                            and found[0]["screens"] == found[1]["screens"]):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or any(s.poll() is not None for s in servers):
                    raise SystemExit("servers did not start:\n" + "\n".join(
                        (work / f"serve{n + 1}.log").read_text() for n in range(len(servers))))
                time.sleep(0.2)
            print("roles: " + ", ".join(f"instance {n + 1} {h['role']}" for n, h in enumerate(found)))
            asyncio.run(main_async(args, ports, root, sorted(found[0]["screens"]), [s.pid for s in servers]))
            problems = [line for n in range(len(servers))
                        for line in (work / f"serve{n + 1}.log").read_text(errors="replace").splitlines()
                        if "Traceback" in line or "ERROR" in line or "mislukt" in line]
            print(f"server logs: {len(problems)} error lines" + "".join(f"\n  {p}" for p in problems[:10]))
        finally:
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for n in range(len(servers)):
                    shutil.copy(work / f"serve{n + 1}.log", args.logs / f"serve{n + 1}.log")
            for server in servers:
                try:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(server.pid, signal.SIGKILL)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
