"""`narrowcast serve` as a real process on 127.0.0.1: headers, push, rebuild on save, restart."""

from __future__ import annotations

import json
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .building import build

from .conftest import copy_example
from .serving import NarrowcastServer, free_port
from .test_build import NOW, browser


@contextmanager
def running_server(root: Path, at: str, port: int | None = None):
    """A real `narrowcast serve` process (tests/serving.py), stopped at the end of the block."""
    server = NarrowcastServer(root, port or free_port(), root.parent / "serve.log", at=at)
    try:
        yield server.base, server.proc, server.log_path
    finally:
        server.stop(quiet=True)


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory):
    """The example content with a finished build, so each server start renders (almost) nothing."""
    root = copy_example(tmp_path_factory.mktemp("serve") / "voorbeeld")
    build(root, NOW)
    return root


def fresh_copy(prebuilt: Path, tmp_path: Path) -> Path:
    target = tmp_path / "voorbeeld"
    shutil.copytree(prebuilt, target, symlinks=True)
    return target


class SSE:
    """Reads a server-sent-event stream in a thread and keeps the versions it announced."""

    def __init__(self, url: str, last_event_id: str | None = None):
        self.versions: list[str] = []
        self.ids: list[str] = []  # the `id:` of each event, as a reconnecting EventSource sends it back
        self._stop = threading.Event()
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()

    def _run(self, url: str, headers: dict):
        try:
            with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5, read=60)) as response:
                for line in response.iter_lines():
                    if line.startswith("id:"):
                        self.ids.append(line[3:].strip())
                    if line.startswith("data:"):
                        self.versions.append(json.loads(line[5:])["version"])
                    if self._stop.is_set():
                        return
        except httpx.HTTPError:
            pass  # the server went away at the end of the test

    def wait_for(self, count: int, timeout: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.versions) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.versions

    def close(self):
        self._stop.set()


@browser
def test_manifest_headers_etag_and_304(prebuilt, tmp_path):
    root = fresh_copy(prebuilt, tmp_path)
    with running_server(root, "2026-11-23 10:00") as (base, _, _):
        response = httpx.get(base + "/screens/werkplein-hal/manifest.json")
        assert response.status_code == 200
        manifest = response.json()
        assert response.headers["etag"] == f'"{manifest["version"]}"'
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["date"].endswith("GMT") and "23 Nov 2026" in response.headers["date"]
        again = httpx.get(base + "/screens/werkplein-hal/manifest.json", headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        media = httpx.get(base + "/screens/werkplein-hal/" + manifest["items"][0]["image"])
        assert media.status_code == 200 and media.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert httpx.get(base + "/screens/bestaat-niet/manifest.json").status_code == 404
        assert httpx.get(base + "/media/..%2Fnarrowcast.yaml").status_code == 404
        assert httpx.get(base + "/healthz").json()["status"] == "ok"


@browser
def test_saving_a_slide_announces_a_new_version_and_a_broken_save_keeps_the_last_good_output(prebuilt, tmp_path):
    root = fresh_copy(prebuilt, tmp_path)
    with running_server(root, "2026-11-23 10:00") as (base, _, log):
        first = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()["version"]
        stream = SSE(base + "/events/werkplein-hal")
        assert stream.wait_for(1) == [first], "a new listener first hears the current version"
        slide = root / "slides/wijzigingen.yaml"
        slide.write_text(slide.read_text(encoding="utf-8").replace("Verandert er iets?", "Is er iets veranderd?", 1),
                         encoding="utf-8")
        versions = stream.wait_for(2)
        assert len(versions) == 2 and versions[1] != first
        manifest = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()
        assert manifest["version"] == versions[1]
        assert any(i["title"] == "Is er iets veranderd?" for i in manifest["items"])

        slide.write_text("id: wijzigingen-doorgeven\ntitle: [kapot\n", encoding="utf-8")
        deadline = time.monotonic() + 60
        while not httpx.get(base + "/healthz").json()["last_error"] and time.monotonic() < deadline:
            time.sleep(0.1)
        health = httpx.get(base + "/healthz").json()
        assert "slides/wijzigingen.yaml:2:8" in health["last_error"]
        assert httpx.get(base + "/screens/werkplein-hal/manifest.json").json()["version"] == versions[1]
        assert "mislukt" in log.read_text()
        stream.close()


@browser
def test_restart_across_a_law_moment_publishes_the_right_manifest_at_once(prebuilt, tmp_path):
    root = fresh_copy(prebuilt, tmp_path)
    port = free_port()
    with running_server(root, "2026-12-28 10:00", port) as (base, _, _):
        ids = [i["id"] for i in httpx.get(base + "/screens/werkplein-hal/manifest.json").json()["items"]]
        assert "participatiewet-in-balans-fase-3-voor@20261228" in ids and "bijverdienen-2026" in ids
        assert "participatiewet-in-balans-fase-3-na" not in ids
    # The server is down across the effective moment (1 January 2027, 00:00) and comes back after it.
    started = time.monotonic()
    with running_server(root, "2027-01-01 00:00:30", port) as (base, _, _):
        manifest = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()
        ids = [i["id"] for i in manifest["items"]]
        assert "participatiewet-in-balans-fase-3-na" in ids
        assert not any(i.startswith("participatiewet-in-balans-fase-3-voor") for i in ids)
        assert "bijverdienen-2026" not in ids, "the superseded slide is gone"
        assert manifest["server_time"].startswith("2026-12-31T23:00")
    assert time.monotonic() - started < 90


@browser
def test_a_screen_that_has_any_version_gets_a_304_for_if_none_match_star(prebuilt, tmp_path):
    """`If-None-Match: *` asks "send it only if you have none": the manifest exists, so 304."""
    root = fresh_copy(prebuilt, tmp_path)
    with running_server(root, "2026-11-23 10:00") as (base, _, _):
        url = base + "/screens/werkplein-hal/manifest.json"
        version = httpx.get(url).json()["version"]
        star = httpx.get(url, headers={"If-None-Match": "*"})
        assert star.status_code == 304 and star.content == b""
        assert star.headers["etag"] == f'"{version}"'
        assert httpx.get(url, headers={"If-None-Match": '"ouder", W/"nog-ouder"'}).status_code == 200
        assert httpx.get(url, headers={"If-None-Match": f'"ouder", W/"{version}"'}).status_code == 304


@browser
def test_a_reconnecting_screen_resumes_from_its_last_event_id(prebuilt, tmp_path):
    """Each event carries the version as its id. A screen that reconnects with the current version
    hears nothing again until there is a newer one; with an older one it hears the current at once."""
    root = fresh_copy(prebuilt, tmp_path)
    with running_server(root, "2026-11-23 10:00") as (base, _, _):
        url = base + "/events/werkplein-hal"
        current = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()["version"]
        fresh = SSE(url)
        assert fresh.wait_for(1) == [current] and fresh.ids == [current]
        behind = SSE(url, last_event_id="0000000000000000")
        assert behind.wait_for(1) == [current], "an older version: the current one at once"
        up_to_date = SSE(url, last_event_id=current)
        slide = root / "slides/wijzigingen.yaml"
        slide.write_text(slide.read_text(encoding="utf-8").replace("Verandert er iets?", "Is er iets veranderd?", 1),
                         encoding="utf-8")
        newer = fresh.wait_for(2)[1]
        assert up_to_date.wait_for(1) == [newer], "the current version was not sent again"
        assert up_to_date.ids == [newer]
        for stream in (fresh, behind, up_to_date):
            stream.close()
