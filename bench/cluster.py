"""Load on two `narrowcast serve` instances on one content folder and one PostgreSQL database.

    python bench/cluster.py [--sse 10000] [--pollers 100] [--seconds 15] [--rate 1000] [--publish save|urgent]

Starts a throw-away PostgreSQL (tests/pgcluster.py) and two real servers on 127.0.0.1 over a
temporary copy of the example content; opens half the SSE connections on each; runs conditional
GETs (If-None-Match) paced at --rate per second in all, spread over both; half-way, publishes a
change every screen shows: `--publish save` (the default) saves a slide file in the shared folder
(both instances' watchers see it); `--publish urgent` POSTs an urgent notice to /api/urgent of the
*follower* (the instance that is not the builder), which writes it and asks the builder, through
PostgreSQL, to build. Only the builder builds; it tells the other over LISTEN/NOTIFY, and each
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

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from serve_load import direct, percentile, poller, raise_fd_limit, sse_client  # noqa: E402

from narrowcast.commands.example import copy_example  # noqa: E402
from narrowcast.publish.build import BuildOptions, build  # noqa: E402
from narrowcast.render.pool import RenderPool  # noqa: E402
from narrowcast.state.database import database_url_from  # noqa: E402
from narrowcast.state.records import Records  # noqa: E402
from tests.pgcluster import ThrowawayPostgres  # noqa: E402
from tests.serving import free_port  # noqa: E402

STAFF, PASSWORD = "bench", "een lang wachtwoord voor de bench"


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


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process and its children (the client itself without pid)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    process = psutil.Process(pid)
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, idle and I/O wait left out)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0) - getattr(times, "guest", 0.0) \
        - getattr(times, "guest_nice", 0.0)


def health(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read())


def rss(pid: int) -> str:
    """RSS of the server process and all its descendants (build worker, Playwright's driver, Chromium)."""
    process = psutil.Process(pid)
    tree = [process, *process.children(recursive=True)]
    total = 0
    for p in tree:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return f"{total / 2**20:.0f} MB in {len(tree)} process{'es' if len(tree) > 1 else ''}"


def staff_client(port: int) -> httpx.Client:
    """A logged-in eindredacteur on one instance (the session lives in PostgreSQL)."""
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=120)
    answer = client.post("/login", data={"name": STAFF, "password": PASSWORD})
    if answer.status_code != 303:
        raise SystemExit(f"login on {base} failed: {answer.status_code} {answer.text[:300]}")
    return client


async def loop_lag(lags: list, step: float = 0.01) -> None:
    """How late the load generator's own event loop wakes up: its timestamps are that much late too."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(step)
        lags.append((before, time.monotonic() - before - step))


def post_notice(staff: httpx.Client) -> tuple[httpx.Response, float]:
    """An urgent notice for every screen; the answer comes once the builder has built it."""
    started = time.monotonic()
    answer = staff.post("/api/urgent", json={"text": "De balie is vandaag vanaf 15:00 dicht.", "until": "17:00"})
    return answer, time.monotonic() - started


async def main_async(args, ports: list[int], root: Path, screens: list[str], pids: list[int], postgres_pid: int,
                     staff: httpx.Client | None, through: int | None) -> None:
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
    print("RSS before publishing: " + ", ".join(f"instance {n + 1} {rss(pid)}" for n, pid in enumerate(pids)))

    lags: list = []
    lagging = asyncio.create_task(loop_lag(lags))
    per_port: dict[int, list] = {port: [] for port in ports}
    statuses: dict[str, int] = {}
    def cpu_now() -> list[float]:  # both instances, PostgreSQL, the load generator, the whole machine
        return [cpu_seconds(pid) for pid in [*pids, postgres_pid]] + [cpu_seconds(), machine_busy()]

    cpu_before = cpu_now()
    started = time.monotonic()
    stop = time.monotonic() + args.seconds
    interval = args.pollers / args.rate
    pollers = []
    for k in range(args.pollers):
        pollers.append(asyncio.create_task(poller(ports[k % 2], screens, dict(etags), stop, per_port[ports[k % 2]], statuses,
                                                     interval)))
        await asyncio.sleep(interval / args.pollers)
    await asyncio.sleep(args.seconds / 2)
    answered = None
    if staff is None:
        slide = root / "slides" / "welkom.yaml"
        slide.write_text(slide.read_text(encoding="utf-8").replace("title: ", "title: Hallo, ", 1), encoding="utf-8")
        saved = time.monotonic()
    else:  # the notice goes to every screen; the follower answers once the builder has built it
        saved = time.monotonic()
        placed = asyncio.create_task(asyncio.to_thread(post_notice, staff))
    await asyncio.gather(*pollers)
    if staff is not None:
        answer, took = await placed
        answered = f"POST /api/urgent on instance {through + 1}: {answer.status_code} after {took:.2f} s"
        if answer.status_code not in (200, 201):
            answered += f" {answer.text[:300]}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(len(v) >= 2 for v in versions.values()) < args.sse:
        await asyncio.sleep(0.1)
    lagging.cancel()
    last = max((v[1][1] for v in versions.values() if len(v) >= 2), default=time.monotonic())
    lag_steady = [lag for at, lag in lags if at < saved]
    lag_during = [lag for at, lag in lags if saved <= at <= last]
    cpu = [(after - before) / (time.monotonic() - started) for after, before in zip(cpu_now(), cpu_before)]
    memory = [rss(pid) for pid in pids]
    latencies = [entry for port in ports for entry in per_port[port]]
    all_lat = [lat for _, lat in latencies]
    steady = [lat for at, lat in latencies if at < saved]
    during = [lat for at, lat in latencies if at >= saved]

    def ms(values: list[float]) -> str:
        return f"p50 {percentile(values, 50) * 1000:.1f} ms, p99 {percentile(values, 99) * 1000:.1f} ms"

    print(f"conditional GETs (paced at {args.rate:g}/s over both): {len(all_lat)} in {args.seconds:g} s = "
          f"{len(all_lat) / args.seconds:.0f}/s from {args.pollers} keep-alive clients, status {statuses}; "
          f"latency {ms(all_lat)} (while {args.sse} SSE connections are open)")
    print(f"  before the {'save' if staff is None else 'POST'}: {ms(steady)}; from then on (rebuild, then the broadcast to "
          f"every screen): {ms(during)}")
    print("  per instance: " + "; ".join(f"instance {n + 1} {len(per_port[port])} GETs, {ms([lat for _, lat in per_port[port]])}"
                                         for n, port in enumerate(ports)))
    if answered:
        print(answered)
    what = "the save" if staff is None else "the POST"
    for n, port in enumerate(ports):
        mine = [v[1][1] - saved for i, v in versions.items() if on[i] == port and len(v) >= 2]
        role = health(port)["role"]
        if mine:
            print(f"broadcast on instance {n + 1} ({role}): {len(mine)}/{args.sse // 2} got the new version; after {what} "
                  f"(rebuild included): first {min(mine):.2f} s, p50 {statistics.median(mine):.2f} s, last {max(mine):.2f} s")
        else:
            print(f"broadcast on instance {n + 1} ({role}): 0/{args.sse // 2}")
    delivered = [v[1][1] - saved for v in versions.values() if len(v) >= 2]
    print(f"all: {len(delivered)}/{args.sse} delivered" + (
        f", p50 {statistics.median(delivered):.2f} s, last {max(delivered):.2f} s after {what}" if delivered else ""))
    print("CPU from the first GET to the last delivery (cores in use): " + ", ".join(
        f"instance {n + 1} {c:.2f}" for n, c in enumerate(cpu[:2])) + f", PostgreSQL {cpu[2]:.2f}, load generator "
        f"{cpu[3]:.2f} (one process); the machine {cpu[4]:.2f} of {os.cpu_count()}, of which "
        f"{max(0.0, cpu[4] - sum(cpu[:4])):.2f} by other processes")
    print(f"load generator's event loop late by: before publishing p99 {percentile(lag_steady, 99) * 1000:.0f} ms, "
          f"from publishing to the last delivery max {max(lag_during, default=0) * 1000:.0f} ms (a delivery's timestamp "
          "can be about that late)")
    print("builds: " + ", ".join(f"instance {n + 1} {health(port)['builds']}" for n, port in enumerate(ports)))
    print("RSS after: " + ", ".join(f"instance {n + 1} {mb}" for n, mb in enumerate(memory)))
    for task in tasks:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sse", type=int, default=10000)
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=1000, help="conditional GETs per second in all")
    parser.add_argument("--publish", choices=["save", "urgent"], default="save",
                        help="save: a slide file is saved in the shared folder; urgent: POST /api/urgent to the follower")
    parser.add_argument("--logs", type=Path, help="copy both servers' logs into this folder at the end")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill cleans up as Ctrl+C does
    raise_limits(args.sse * 2 + 2000)  # the servers inherit it
    print(f"command: python bench/cluster.py --sse {args.sse} --pollers {args.pollers} --seconds {args.seconds:g} "
          f"--rate {args.rate:g}" + (f" --publish {args.publish}" if args.publish != "save" else ""))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; PostgreSQL, both servers and the "
          f"load generator share them; open files limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    work = Path(tempfile.mkdtemp(prefix="nc-cluster-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    """PostgreSQL and both servers: started, loaded, stopped (on Ctrl+C or an error too)."""
    root = work / "voorbeeld"
    copy_example(root)
    direct(root)  # the bench measures the push, not the approval: every save goes live
    with RenderPool() as renderer:
        build(root, datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), BuildOptions(), renderer)
    servers, logs, staff = [], [], None
    with ThrowawayPostgres() as postgres:
        url = postgres.new_database("bench")
        env = {**os.environ, "NARROWCAST_DATABASE_URL": url}
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
            through = None
            if args.publish == "urgent":  # through the instance that does not build
                through = next(n for n, h in enumerate(found) if h["role"] == "volger")
                Records(root, database_url_from(url)).set_user(STAFF, PASSWORD, datetime.now(ZoneInfo("Europe/Amsterdam")),
                                                               "eindredacteur")
                staff = staff_client(ports[through])
                print(f"publishing: POST /api/urgent (a notice for every screen) to instance {through + 1}, the follower")
            else:
                print("publishing: slides/welkom.yaml saved in the shared folder (both instances watch it)")
            postgres_pid = int((postgres.folder / "data" / "postmaster.pid").read_text().split()[0])
            asyncio.run(main_async(args, ports, root, sorted(found[0]["screens"]), [s.pid for s in servers], postgres_pid,
                                   staff, through))
            problems = [line for n in range(len(servers))
                        for line in (work / f"serve{n + 1}.log").read_text(errors="replace").splitlines()
                        if "Traceback" in line or "ERROR" in line or "mislukt" in line]
            print(f"server logs: {len(problems)} error lines" + "".join(f"\n  {p}" for p in problems[:10]))
        finally:
            if staff is not None:
                staff.close()
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for n in range(len(servers)):
                    shutil.copy(work / f"serve{n + 1}.log", args.logs / f"serve{n + 1}.log")
            for server in servers:
                try:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait(timeout=15)
                except ProcessLookupError:
                    pass
            for log in logs:
                log.close()


if __name__ == "__main__":
    main()
