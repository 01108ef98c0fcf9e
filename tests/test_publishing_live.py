"""Four-eyes publishing against the real server and a real player (issue 15, "must show").

The server runs as `narrowcast serve --at` in its own process; the player is headless Chromium at
an insecure origin. Staff act over the HTTP API as the studio will: logged in, same origin.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from click.testing import CliRunner

from narrowcast.commands.cli import cli
from narrowcast.serve.server import shifted_clock
from narrowcast.state.history import read_log
from narrowcast.state.records import Records
from narrowcast.state.snapshots import get_object

from .conftest import INSECURE_HOST, copy_example
from .liveserver import live_server
from .serving import SERVER_AT, NarrowcastServer, free_port
from .test_build import browser
from .test_player import assert_insecure, context, edit, open_player, player_build, player_url, servers  # noqa: F401

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "een lang wachtwoord"
SCREENS = ("hal", "balie")


def _staff(root: Path) -> None:
    records = Records(root)
    for name, role in (("anna", "redacteur"), ("bert", "eindredacteur"), ("carla", "eindredacteur")):
        records.set_user(name, PASSWORD, datetime(2026, 11, 23, tzinfo=AMS), role)
    records.close()


def _cli_ok(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _login(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=120)
    response = client.post("/login", data={"name": name, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


def _raw_manifests(server: NarrowcastServer) -> dict[str, bytes]:
    return {s: httpx.get(f"{server.base}/screens/{s}/manifest.json").content for s in SCREENS}


def _versions(server: NarrowcastServer) -> dict[str, str]:
    return {s: json.loads(body)["version"] for s, body in _raw_manifests(server).items()}


def _dutch_refusal(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["error"], response.json()


@browser
def test_review_mode_with_a_real_player(player_build, servers, context, tmp_path):  # noqa: F811
    site = tmp_path / "inhoud"
    shutil.copytree(player_build, site, symlinks=True)
    with open(site / "narrowcast.yaml", "a", encoding="utf-8") as config:
        config.write("publishing: review\n")
    _staff(site)
    _cli_ok(site, "publish", "--user", "anna", "--at", SERVER_AT)
    _cli_ok(site, "approve", "1", "--user", "bert", "--at", SERVER_AT)

    server = servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log")
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    assert_insecure(page)
    screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
    approved = _raw_manifests(server)

    # A save changes nothing live.
    edit(site / "slides/dia.yaml", "title: Iets veranderd?", "title: Iets gewijzigd?")
    time.sleep(5)
    assert _raw_manifests(server) == approved, "a saved draft never reaches the screens"

    anna, bert, carla = (_login(server.base, name) for name in ("anna", "bert", "carla"))
    proposed = bert.post("/api/proposals", json={"message": "Nieuwe titel"})
    assert proposed.status_code == 201, proposed.text
    seq = proposed.json()["id"]
    listed = anna.get("/api/proposals").json()["proposals"]
    assert listed[0]["id"] == seq and any("Iets gewijzigd?" in line for line in listed[0]["change_lines"])
    assert _versions(server) == {s: json.loads(b)["version"] for s, b in approved.items()}, "a proposal is no publication"
    _dutch_refusal(bert.post(f"/api/proposals/{seq}/approve", json={}), 403, "je kunt je eigen voorstel niet goedkeuren")
    _dutch_refusal(anna.post(f"/api/proposals/{seq}/approve", json={}), 403, "goedkeuren mag alleen een eindredacteur")
    refused = httpx.post(f"{server.base}/api/proposals/{seq}/approve", json={}, headers={"Origin": "http://evil.test"},
                         cookies=carla.cookies)
    assert refused.status_code == 403, "the cross-site guard stands before the approval"

    started = time.monotonic()
    approval = carla.post(f"/api/proposals/{seq}/approve", json={})
    assert approval.status_code == 201, approval.text
    new_version = approval.json()["screens"]["hal"]
    screen.wait(lambda s: s["version"] == new_version, "the approved version reaches the screen", timeout=30)
    print(f"approve request to the screen holding the new manifest: {time.monotonic() - started:.2f} s")
    assert _versions(server)["hal"] == new_version != json.loads(approved["hal"])["version"]

    # An edit after proposing makes the proposal stale.
    edit(site / "slides/dia.yaml", "title: Vragen over geld?", "title: Vragen over uw geld?")
    stale = anna.post("/api/proposals", json={}).json()["id"]
    edit(site / "slides/dia.yaml", "text: Wij helpen.", "text: Wij helpen u graag.")
    _dutch_refusal(carla.post(f"/api/proposals/{stale}/approve", json={}), 409, "verouderd")
    assert [p["status"] for p in anna.get("/api/proposals").json()["proposals"] if p["id"] == stale] == ["verouderd"]

    # Rollback restores the first publication's manifests byte for byte, and the screen follows.
    first = next(e for e in carla.get("/api/history").json()["history"] if e["kind"] == "publicatie" and e["id"] == 2)
    _dutch_refusal(anna.post("/api/history/2/rollback", json={}), 403, "terugzetten mag alleen")
    back = carla.post(f"/api/history/{first['id']}/rollback", json={})
    assert back.status_code == 201, back.text
    published_then = {screen: get_object(site, entry["manifest"])
                      for screen, entry in next(r for r in read_log(site) if r.seq == 2).screens.items()}
    assert _raw_manifests(server) == published_then, "the very files publication 2 published"
    assert _versions(server) == {s: json.loads(b)["version"] for s, b in approved.items()}
    screen.wait(lambda s: s["version"] == first["screens"]["hal"], "the screen plays the earlier version again", timeout=30)
    checked = carla.get("/api/history?verify=1").json()
    assert checked["ok"] is True and checked["problems"] == [] and checked["head"]["seq"] == back.json()["id"]
    assert httpx.get(f"{server.base}/api/history").status_code == 401, "history needs a login"


@browser
def test_a_scheduled_rebuild_in_review_mode_builds_the_approved_snapshot(tmp_path):
    site = copy_example(tmp_path / "voorbeeld")
    edit(site / "narrowcast.yaml", "publishing: direct", "publishing: review")
    _staff(site)
    at = "2026-12-31 23:59"
    _cli_ok(site, "publish", "--user", "anna", "--at", at)
    _cli_ok(site, "approve", "1", "--user", "bert", "--at", at)
    draft = "Dit is nog een concept"
    edit(site / "slides/wijzigingen.yaml", "title: Verandert er iets?", f"title: {draft}")

    clock = shifted_clock(datetime(2026, 12, 31, 23, 59, 30, tzinfo=AMS))  # the law takes effect at midnight
    with live_server(site, clock, free_port()) as (base, server):
        first = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()
        assert any(i["id"].startswith("participatiewet-in-balans-fase-3-voor") for i in first["items"])
        deadline = time.monotonic() + 120
        while server.state.builds < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert server.state.builds >= 2, "the scheduler rebuilt at the law's moment"
        manifest = httpx.get(base + "/screens/werkplein-hal/manifest.json").json()
        ids = [i["id"] for i in manifest["items"]]
        assert "participatiewet-in-balans-fase-3-na" in ids, "the law's moment came"
        titles = [i["title"] for i in manifest["items"]]
        assert draft not in titles and "Verandert er iets?" in titles, "the unapproved draft did not"
