"""Two `narrowcast serve` instances on one content folder and one PostgreSQL database (issue 17).

A real PostgreSQL (tests/pgcluster.py), two real servers, a real player in Chromium at an insecure
origin connected to instance B: a change published through instance A reaches it over B's push
stream within 2 s; heartbeats sent to either instance show on both dashboards; killing the
builder hands building and the scheduler to the other within 10 s, and a law moment after the
kill still makes a build at its time on the instance that took over.
"""

from __future__ import annotations

import os
import signal
import shutil
import time
from datetime import datetime, timedelta

import httpx
import pytest

from narrowcast.state.records import Records

from .conftest import INSECURE_HOST
from .serving import NarrowcastServer, free_port, server_health, wait_health
from .test_build import browser
from .test_player import assert_insecure, context, open_player, player_build, player_url, servers  # noqa: F401

pytestmark = browser
PASSWORD = "een lang wachtwoord"
LAW_AT = timedelta(seconds=75)  # after SERVER_AT: the law's moment, well after the kill
LAW = """\
id: nieuwe-regels
name: Nieuwe regels
announce_from: 2026-11-23
effective: {effective}
before: {{title: Nieuwe regels komen eraan, text: Vraag ons wat er verandert.}}
after: {{title: Nieuwe regels gelden nu, text: Vraag ons wat er veranderd is.}}
tags: [wet]
"""


def _site(player_build, tmp_path):  # noqa: F811
    site = tmp_path / "inhoud"
    shutil.copytree(player_build, site, symlinks=True)
    effective = (datetime.fromisoformat("2026-11-23 10:00") + LAW_AT).strftime("%Y-%m-%d %H:%M:%S")
    (site / "laws").mkdir(exist_ok=True)
    (site / "laws/nieuw.yaml").write_text(LAW.format(effective=effective), encoding="utf-8")
    hal = site / "playlists/hal.yaml"
    hal.write_text(hal.read_text(encoding="utf-8") + "  - tag: wet\n", encoding="utf-8")
    return site


def _builder(*instances: NarrowcastServer) -> NarrowcastServer | None:
    roles = {server: server_health(server.base).get("role") for server in instances}
    builders = [server for server, role in roles.items() if role == "bouwer"]
    assert len(builders) <= 1, f"more than one builder: {roles}"
    return builders[0] if builders else None


def _wait_builder(*instances: NarrowcastServer, timeout: float) -> NarrowcastServer:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _builder(*instances)
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError("no instance became the builder:\n" + "\n".join(s.output() for s in instances))


def test_two_instances_share_publishing_push_heartbeats_and_take_over_building(player_build, servers, context,  # noqa: F811
                                                                                postgres_url, tmp_path, monkeypatch):
    site = _site(player_build, tmp_path)
    monkeypatch.setenv("NARROWCAST_DATABASE_URL", postgres_url)
    records = Records(site)  # the users, in PostgreSQL: both instances know them
    assert records.postgresql
    records.set_user("carla", PASSWORD, datetime.fromisoformat("2026-11-23T10:00+01:00"), "eindredacteur")

    first = servers(NarrowcastServer, site, free_port(), tmp_path / "a.log")
    second = servers(NarrowcastServer, site, free_port(), tmp_path / "b.log")
    builder = _wait_builder(first, second, timeout=30)
    follower = second if builder is first else first
    assert server_health(follower.base)["role"] == "volger"
    assert wait_health(builder.base, lambda h: h["builds"] >= 1, timeout=60)["builds"] >= 1, builder.output()
    assert wait_health(follower.base, lambda h: h["screens"] == server_health(builder.base)["screens"], timeout=10)
    assert server_health(follower.base)["builds"] == 0, "the follower builds nothing itself"

    # A real player at an insecure origin on the follower: a notice placed through the builder
    # (A) reaches it over the follower's own push stream.
    page = context.new_page()
    screen = open_player(page, player_url(follower.port, "hal", INSECURE_HOST))
    assert_insecure(page)
    before = screen.wait(lambda s: s["sseConnected"] and s["version"], "playing on the follower, push connected")
    staff = httpx.Client(base_url=builder.base, headers={"Origin": builder.base}, timeout=60)
    assert staff.post("/login", data={"name": "carla", "password": PASSWORD}).status_code == 303
    placed = staff.post("/api/urgent", json={"text": "De balie is vandaag vanaf 15:00 dicht.", "until": "17:00"})
    assert placed.status_code in (200, 201), placed.text
    started = time.monotonic()
    after = screen.wait(lambda s: s["version"] != before["version"], "the notice's version arrives", timeout=30)
    assert time.monotonic() - started < 2.0, "published through A, shown by a player on B within 2 s"
    assert after["fetches"]["sse"] > before["fetches"]["sse"], "it came by B's push stream"
    settled = wait_health(follower.base, lambda h: h["screens"] == server_health(builder.base)["screens"], timeout=20)
    screen.wait(lambda s: s["version"] == settled["screens"]["hal"], "the player ends on the version both serve")

    # A save seen by the follower is built by the builder, never by the follower itself.
    builds = server_health(follower.base)["builds"]
    # Heartbeats sent to either instance show on both dashboards.
    for server, name in ((builder, "hal"), (follower, "balie")):
        beat = {"version": server.manifest(name)["version"], "item": "een", "resolution": "1920x1080"}
        assert httpx.post(f"{server.base}/api/screens/{name}/heartbeat", json=beat).status_code in (200, 204)
    for server in (builder, follower):
        client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
        assert client.post("/login", data={"name": "carla", "password": PASSWORD}).status_code == 303
        shown = client.get("/api/dashboard").json()
        seen = {s["id"]: s.get("last_seen") for s in shown["screens"]}
        assert seen["hal"] and seen["balie"], f"{server.base}: {seen}"
    assert server_health(follower.base)["builds"] == builds

    # The builder dies: the other takes building and the scheduler over within 10 s ...
    os.killpg(builder.proc.pid, signal.SIGKILL)
    killed = time.monotonic()
    health = wait_health(follower.base, lambda h: h.get("role") == "bouwer", timeout=10)
    assert health["role"] == "bouwer", follower.output()
    assert time.monotonic() - killed < 10
    # ... and the law's moment, after the kill, makes a build at its time on the one left.
    moment = datetime.fromisoformat("2026-11-23T10:00+01:00") + LAW_AT
    left = follower
    taken = server_health(left.base)["builds"]
    health = wait_health(left.base, lambda h: h["builds"] > taken and h["last_build"]
                         and datetime.fromisoformat(h["last_build"]) >= moment, timeout=120)
    built_at = datetime.fromisoformat(health["last_build"])
    assert moment <= built_at < moment + timedelta(seconds=5), (built_at, left.output())
    titles = [item["title"] for item in left.manifest("hal")["items"]]
    assert "Nieuwe regels gelden nu" in titles, titles
