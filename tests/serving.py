"""Servers for player tests: `narrowcast serve` and nginx as subprocesses, and a player content folder.

Every server binds 127.0.0.1 only, runs in its own process group, and is killed at teardown; its
output goes to a log file that `stop()` prints (pytest shows it only when a test fails).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import psutil

from .conftest import write_files

SERVER_AT = "2026-11-23 10:00"  # Europe/Amsterdam: the server's clock starts at 09:00:00Z

PLAYER_SITE = """\
site: Testlocatie
poll_seconds: 5
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: hal
  - id: balie
    name: Balie
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: balie
"""
PLAYER_SLIDES = """\
id: een
title: Iets veranderd?
icon: bel
duration: 5
---
id: twee
title: Vragen over geld?
text: Wij helpen.
icon: geld
duration: 7
---
id: drie
title: Een huisbezoek
text: U mag nee zeggen.
icon: huis
duration: 9
---
id: tijdelijk
title: Alleen vanochtend
text: Deze dia stopt om twee over tien.
icon: klok
duration: 600
valid_until: 2026-11-23 10:02
---
id: welkom
title: Welkom
text: Fijn dat u er bent.
icon: hand
"""
PLAYER_PLAYLISTS = {
    "playlists/hal.yaml": "id: hal\nname: Hal\nfallback: welkom\nitems:\n  - slide: een\n  - slide: twee\n  - slide: drie\n",
    "playlists/balie.yaml": "id: balie\nname: Balie\nfallback: welkom\nitems:\n  - slide: tijdelijk\n",
}


def write_player_site(root: Path) -> Path:
    """Screen `hal` rotates three slides (5, 7, 9 s); screen `balie` shows one slide until 10:02."""
    return write_files(root, {"narrowcast.yaml": PLAYER_SITE, "slides/dia.yaml": PLAYER_SLIDES, **PLAYER_PLAYLISTS})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class Process:
    """A subprocess in its own session, its output in a file."""

    name = "proces"

    def __init__(self, args: list[str], log: Path, cwd: Path | None = None):
        self.args, self.log_path = args, log
        self._log = open(log, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd,
                                     start_new_session=True)

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, quiet: bool = False) -> None:
        """Kill the whole process group (TERM, then KILL) and print what it said; once."""
        if self._log.closed:
            return
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()
        if not quiet:
            print(f"--- {self.name} {' '.join(self.args)} ---\n{self.output()}")

    def _fail(self, why: str):
        self.stop(quiet=True)
        raise RuntimeError(f"{self.name}: {why}\n{self.output()}")


class NarrowcastServer(Process):
    name = "narrowcast serve"

    def __init__(self, root: Path, port: int, log: Path, at: str = SERVER_AT):
        self.root, self.port = root, port
        self.base = f"http://127.0.0.1:{port}"
        super().__init__([sys.executable, "-m", "narrowcast", "-C", str(root), "serve", "--host", "127.0.0.1",
                          "--port", str(port), "--at", at], log)
        self.wait_ready()

    def wait_ready(self, timeout: float = 90.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail(f"stopped with exit code {self.proc.returncode}")
            try:
                health = get_json(self.base + "/healthz", timeout=2)
                if health.get("status") == "ok":
                    return health
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.1)
        self._fail(f"not ready within {timeout} s")

    def manifest(self, screen: str) -> dict:
        return get_json(f"{self.base}/screens/{screen}/manifest.json")

    def wait_version(self, screen: str, not_version: str, timeout: float = 60.0) -> dict:
        """The manifest once its version differs from `not_version` (a rebuild after a save)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            manifest = self.manifest(screen)
            if manifest["version"] != not_version:
                return manifest
            time.sleep(0.2)
        raise AssertionError(f"no new version of {screen} within {timeout} s\n{self.output()}")


# --- watching a server from outside -------------------------------------------------------------

def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            pass
    return left


def wait_gone(processes: list[psutil.Process], timeout: float = 30) -> list[str]:
    """What is still running of `processes` after waiting up to `timeout` s (generous: Chromium closes slowly)."""
    deadline = time.monotonic() + timeout
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [f"{p.pid} {' '.join(p.cmdline()[:3])}" for p in alive(processes)]


def server_health(base: str) -> dict:
    return httpx.get(base + "/healthz", timeout=5).json()


def wait_health(base: str, condition, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    health = server_health(base)
    while not condition(health) and time.monotonic() < deadline:
        time.sleep(0.1)
        health = server_health(base)
    return health


def wait_title(server: NarrowcastServer, screen: str, title: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        manifest = server.manifest(screen)
        if any(item["title"] == title for item in manifest["items"]):
            return manifest
        time.sleep(0.2)
    raise AssertionError(f"'{title}' was never published on {screen}\n{server.output()}")


NGINX = "/usr/sbin/nginx"
NGINX_CONF = """\
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html;
        text/css css;
        application/javascript js;
        application/json json;
        image/png png;
    }}
    server {{
        listen 127.0.0.1:{port};
        location {prefix} {{
            alias {output}/;
        }}
    }}
}}
"""


class Nginx(Process):
    """nginx serving a published output/ under a sub-path, as a plain static host would."""

    name = "nginx"

    def __init__(self, output: Path, port: int, tmp: Path, prefix: str = "/borden/"):
        tmp.mkdir(parents=True, exist_ok=True)
        user = "user root root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, prefix=prefix, output=output, user=user), encoding="utf-8")
        self.base = f"http://127.0.0.1:{port}{prefix}"
        super().__init__([NGINX, "-c", str(conf), "-e", str(tmp / "error.log"), "-g", "daemon off;"], tmp / "nginx.log")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail(f"stopped with exit code {self.proc.returncode}")
            try:
                urllib.request.urlopen(self.base + "index.json", timeout=2).read()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        self._fail("not ready within 15 s")

    def output(self) -> str:
        text = super().output()
        error_log = self.log_path.parent / "error.log"
        return text + (error_log.read_text(encoding="utf-8", errors="replace") if error_log.exists() else "")
