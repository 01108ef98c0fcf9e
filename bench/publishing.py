"""Four-eyes publishing: how long from an approval to the screens, and what a proposal costs.

    python bench/publishing.py [--runs 5]

Runs `narrowcast serve` (review mode) on a copy of the example content, logged in as two staff
members over HTTP. Each round changes one slide's title in the working copy, proposes it (which
builds it once to check it), and approves it; it measures, per round:
- save -> preview: from writing the file until the preview's push stream (/preview/wijzigingen)
  announces a new version of the working copy, which is when an open preview page reloads;
- propose: the POST /api/proposals request (the check build of the whole site, mostly cached);
- approve → event: from sending POST .../approve until a screen's push stream (SSE) announces the
  new version, which is when a connected player starts fetching it;
- approve → manifest: until that screen's manifest.json serves the new version.
Prints min / median / max per figure.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narrowcast.state.records import Records  # noqa: E402

PASSWORD = "een lang wachtwoord"
SCREEN = "werkplein-hal"


def prepare(folder: Path) -> Path:
    from narrowcast.commands.example import copy_example

    copy_example(folder)  # publishing: review, as init makes it
    records = Records(folder)
    records.set_user("anna", PASSWORD, _now(), "redacteur")
    records.set_user("bert", PASSWORD, _now(), "eindredacteur")
    records.close()
    for command in (["publish", "--user", "anna"], ["approve", "1", "--user", "bert"]):
        subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(folder), *command], check=True,
                       capture_output=True)
    return folder


def _now():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Amsterdam"))


def serve(folder: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(folder), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json().get("status") == "ok":
                return process
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def login(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=300)
    assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 303
    return client


class Events:
    """The screen's push stream, read in a thread: the moment each version was announced."""

    def __init__(self, url: str, client: httpx.Client | None = None):
        self.seen: dict[str, float] = {}
        threading.Thread(target=self._read, args=(url, client), daemon=True).start()

    def _read(self, url: str, client: httpx.Client | None) -> None:
        try:
            with (client or httpx).stream("GET", url, timeout=None) as response:
                for line in response.iter_lines():
                    if line.startswith("id:"):
                        self.seen.setdefault(line[3:].strip(), time.monotonic())
        except httpx.HTTPError:
            pass  # the server was stopped: the figures are in

    def wait(self, version: str, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while version not in self.seen:
            if time.monotonic() > deadline:
                raise SystemExit(f"no event for {version}")
            time.sleep(0.005)
        return self.seen[version]

    def wait_new(self, known: set[str], timeout: float = 60) -> float:
        """When the first version not in `known` was announced."""
        deadline = time.monotonic() + timeout
        while not (new := set(self.seen) - known):
            if time.monotonic() > deadline:
                raise SystemExit("no new version announced")
            time.sleep(0.005)
        return min(self.seen[v] for v in new)


def one_round(folder: Path, base: str, anna, bert, events: Events, preview: Events,
              number: int) -> tuple[float, float, float, float]:
    slide = folder / "slides/wijzigingen.yaml"
    text = slide.read_text(encoding="utf-8").splitlines(keepends=True)
    text = [f"title: Verandert er iets? ({number})\n" if line.startswith("title:") else line for line in text]
    known = set(preview.seen)
    started = time.monotonic()
    slide.write_text("".join(text), encoding="utf-8")
    saved = preview.wait_new(known) - started
    started = time.monotonic()
    proposed = anna.post("/api/proposals", json={"message": f"ronde {number}"})
    assert proposed.status_code == 201, proposed.text
    propose = time.monotonic() - started
    started = time.monotonic()
    approved = bert.post(f"/api/proposals/{proposed.json()['id']}/approve", json={})
    assert approved.status_code == 201, approved.text
    version = approved.json()["screens"][SCREEN]
    event = events.wait(version) - started
    while httpx.get(f"{base}/screens/{SCREEN}/manifest.json").json()["version"] != version:
        time.sleep(0.005)
    return saved, propose, event, time.monotonic() - started


def wait_for_first(preview: Events, timeout: float = 300) -> None:
    """The preview builds the working copy once at start: wait for it, so rounds measure saves."""
    deadline = time.monotonic() + timeout
    while not preview.seen and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8391)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nc-bench-publishing-"))
    try:
        folder = prepare(work / "inhoud")
        process = serve(folder, args.port)
        base = f"http://127.0.0.1:{args.port}"
        try:
            anna, bert = login(base, "anna"), login(base, "bert")
            events = Events(f"{base}/events/{SCREEN}")
            preview = Events("/preview/wijzigingen", login(base, "anna"))
            wait_for_first(preview)
            rounds = [one_round(folder, base, anna, bert, events, preview, n) for n in range(1, args.runs + 1)]
        finally:
            process.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, values in zip(("save -> preview event", "propose (check build)", "approve -> push event", "approve -> manifest"), zip(*rounds)):
        print(f"{name:<24} min {min(values):6.2f} s  median {statistics.median(values):6.2f} s  max {max(values):6.2f} s")


if __name__ == "__main__":
    main()
