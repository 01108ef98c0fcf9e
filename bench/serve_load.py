"""Load on `narrowcast serve`: N screens hold SSE connections while others poll with If-None-Match.

    python bench/serve_load.py [--sse 5000] [--pollers 50] [--seconds 15] [--rate 500]

Starts a real server on 127.0.0.1 (a temporary copy of the example content), opens the SSE
connections, then runs conditional GETs from keep-alive connections and, half-way, saves a slide
that every screen shows. Prints the conditional GETs per second with p50/p99 latency, and how many
SSE clients received the broadcast and how long after the save (which includes the rebuild).
Targets (issue 5): 5,000 SSE screens, 500 conditional GETs/s with p99 < 100 ms, every broadcast delivered.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrowcast.publish.build import BuildOptions, build  # noqa: E402
from narrowcast.render.pool import RenderPool  # noqa: E402
from narrowcast.commands.example import copy_example  # noqa: E402
from tests.serving import free_port  # noqa: E402


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, wanted), hard), hard))


async def sse_client(port: int, screen: str, first: asyncio.Event, versions: dict, index: int, ready: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**16)
    writer.write(f"GET /events/{screen} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data:"):
                version = json.loads(line[5:])["version"]
                if index not in versions:
                    versions[index] = []
                versions[index].append((version, time.monotonic()))
                if len(versions[index]) == 1:
                    ready[0] += 1
                    if ready[0] == ready[1]:
                        first.set()
    finally:
        writer.close()


async def poller(port: int, screens: list[str], etags: dict, stop: float, latencies: list, statuses: dict,
                 interval: float) -> None:
    """One screen-like client on a keep-alive connection; with an interval, requests are paced (open loop)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    next_at = time.monotonic()
    while time.monotonic() < stop:
        if interval:
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - interval - time.monotonic()))
        screen = screens[i % len(screens)]
        i += 1
        started = time.monotonic()
        writer.write(f"GET /screens/{screen}/manifest.json HTTP/1.1\r\nHost: bench\r\n"
                     f"If-None-Match: {etags[screen]}\r\n\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        length, headers = 0, {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            key, _, value = line.decode().partition(":")
            headers[key.lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        if length:
            await reader.readexactly(length)
            etags[screen] = headers["etag"]
        latencies.append((started, time.monotonic() - started))
        code = status_line.split()[1].decode()
        statuses[code] = statuses.get(code, 0) + 1
    writer.close()


def direct(root: Path) -> None:
    """The example's `publishing: review` as `direct`."""
    config = root / "narrowcast.yaml"
    text = config.read_text(encoding="utf-8")
    assert "publishing: review" in text
    config.write_text(text.replace("publishing: review", "publishing: direct"), encoding="utf-8")


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def main_async(args, port: int, root: Path, screens: list[str]) -> None:
    base = f"http://127.0.0.1:{port}"
    etags = {s: urllib.request.urlopen(f"{base}/screens/{s}/manifest.json").headers["ETag"] for s in screens}
    first = asyncio.Event()
    versions: dict[int, list] = {}
    ready = [0, args.sse]
    opened = time.monotonic()
    tasks = []
    for i in range(args.sse):
        tasks.append(asyncio.create_task(sse_client(port, screens[i % len(screens)], first, versions, i, ready)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)  # don't flood the accept queue
    await asyncio.wait_for(first.wait(), timeout=300)
    print(f"SSE: {args.sse} connections open and greeted in {time.monotonic() - opened:.1f} s")

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    stop = time.monotonic() + args.seconds
    interval = args.pollers / args.rate if args.rate else 0.0
    pollers = []
    for k in range(args.pollers):
        pollers.append(asyncio.create_task(poller(port, screens, etags, stop, latencies, statuses, interval)))
        await asyncio.sleep(interval / args.pollers if interval else 0)  # spread the clients over the interval
    await asyncio.sleep(args.seconds / 2)
    slide = root / "slides" / "welkom.yaml"
    slide.write_text(slide.read_text(encoding="utf-8").replace("title: ", "title: Hallo, ", 1), encoding="utf-8")
    saved = time.monotonic()
    await asyncio.gather(*pollers)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(len(v) >= 2 for v in versions.values()) < args.sse:
        await asyncio.sleep(0.1)
    delivered = [v[1][1] - saved for v in versions.values() if len(v) >= 2]
    rate = len(latencies) / args.seconds
    steady = [lat for at, lat in latencies if at < saved]
    during = [lat for at, lat in latencies if at >= saved]
    latencies = [lat for _, lat in latencies]
    paced = f"paced at {args.rate}/s" if args.rate else "as fast as they can"
    print(f"conditional GETs ({paced}): {len(latencies)} in {args.seconds:g} s = {rate:.0f}/s from {args.pollers} keep-alive clients, "
          f"status {statuses}; latency p50 {percentile(latencies, 50) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.1f} ms (while {args.sse} SSE connections are open)")
    print(f"  before the save: p50 {percentile(steady, 50) * 1000:.1f} ms, p99 {percentile(steady, 99) * 1000:.1f} ms; "
          f"from the save on (rebuild in the worker process, then the broadcast to every screen): p50 {percentile(during, 50) * 1000:.1f} ms, "
          f"p99 {percentile(during, 99) * 1000:.1f} ms")
    if delivered:
        print(f"broadcast: {len(delivered)}/{args.sse} SSE clients got the new version; after the save "
              f"(rebuild included): first {min(delivered):.2f} s, p50 {statistics.median(delivered):.2f} s, "
              f"last {max(delivered):.2f} s; spread over clients {max(delivered) - min(delivered):.3f} s")
    else:
        print(f"broadcast: 0/{args.sse} SSE clients got the new version")
    for task in tasks:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sse", type=int, default=5000)
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=500, help="conditional GETs per second in all (0: as fast as possible)")
    args = parser.parse_args()
    raise_fd_limit(args.sse * 2 + 1000)
    print(f"command: python bench/serve_load.py --sse {args.sse} --pollers {args.pollers} --seconds {args.seconds:g} "
          f"--rate {args.rate:g}")
    print(f"machine: {os.cpu_count()} cores; server and load generator share them")
    work = Path(tempfile.mkdtemp(prefix="nc-load-"))
    root = work / "voorbeeld"
    copy_example(root)
    direct(root)  # the bench measures the push, not the approval: every save goes live
    with RenderPool() as renderer:
        build(root, datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), BuildOptions(), renderer)
    port = free_port()
    log = open(work / "serve.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(root), "serve", "--port", str(port),
                               "--at", "2026-11-23 10:00"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read())
                if health["builds"] >= 1:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"server did not start:\n{(work / 'serve.log').read_text()}")
            time.sleep(0.2)
        asyncio.run(main_async(args, port, root, sorted(health["screens"])))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
