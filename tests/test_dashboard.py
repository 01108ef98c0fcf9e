"""Screen health, proof of play and the dashboard, behind a login; the server's clock is injected."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from narrowcast.commands.cli import cli
from narrowcast.state.records import Heartbeat, Records
from narrowcast.serve.health import OFFLINE_AFTER, RateLimit, screen_status

from .conftest import REPO
from .liveserver import ManualClock, live_server
from .test_build import browser
from .serving import free_port
from .test_serve import fresh_copy, prebuilt  # noqa: F401  (fixture)

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
PASSWORD = "een-lang-wachtwoord"


def beat(base, screen="werkplein-hal", key=None, **extra):
    body = {"version": "v1", "item": "welkom", "resolution": "1920x1080", "user_agent": "test", "offset_ms": 120, **extra}
    headers = {"X-Screen-Key": key} if key else {}
    return httpx.post(f"{base}/api/screens/{screen}/heartbeat", json=body, headers=headers)


def login(base) -> httpx.Client:
    """Through the form, as a browser on our own page (which sends its Origin)."""
    client = httpx.Client(base_url=base, follow_redirects=False, headers={"Origin": base})
    response = client.post("/login", data={"name": "anne", "password": PASSWORD})
    assert response.status_code == 303, response.text
    assert "httponly" in response.headers["set-cookie"].lower() and "samesite=strict" in response.headers["set-cookie"].lower()
    return client


@pytest.fixture
def site(prebuilt, tmp_path):  # noqa: F811
    root = fresh_copy(prebuilt, tmp_path)
    Records(root).set_user("anne", PASSWORD, START, "eindredacteur")
    return root


def keys_for(server, *screens: str) -> dict[str, str]:
    """Keys for these screens (default: all); the example content requires them (`screen_keys: required`)."""
    return {screen: server.records.new_screen_key(screen) for screen in screens or server.versions}


def test_offline_threshold_is_one_point_one_intervals_plus_grace():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    seen = Heartbeat("hal", now, "v1", "welkom", None, None, 0)
    assert OFFLINE_AFTER == timedelta(seconds=96)
    assert screen_status(seen, "v1", now + timedelta(seconds=96))["online"] is True
    assert screen_status(seen, "v1", now + timedelta(seconds=97))["online"] is False
    assert screen_status(seen, "v2", now)["behind"] is True
    assert screen_status(None, "v1", now)["online"] is False


def test_rate_limit_refills_over_time():
    limit = RateLimit(rate=6, per=60, burst=2)
    assert limit.allow("a", 0) and limit.allow("a", 0) and not limit.allow("a", 0)
    assert limit.allow("b", 0), "each screen has its own bucket"
    assert limit.allow("a", 10.5) and not limit.allow("a", 10.6)


def test_retention_deletes_old_records(tmp_path):
    records = Records(tmp_path)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    records.add_heartbeat(Heartbeat("hal", now - timedelta(days=91), "v", None, None, None, None))
    records.add_heartbeat(Heartbeat("hal", now - timedelta(days=89), "v", None, None, None, None))
    records.add_plays("hal", [("a", now - timedelta(days=100), 10.0), ("a", now - timedelta(days=1), 10.0)])
    assert records.prune(now) == 2
    assert records.count("heartbeats") == 1 and records.count("plays") == 1


@browser
def test_heartbeats_limits_keys_and_the_dashboard(site):
    clock = ManualClock(START)
    with live_server(site, clock, free_port()) as (base, server):
        assert httpx.get(base + "/dashboard").status_code == 401
        assert httpx.get(base + "/api/dashboard").status_code == 401
        assert httpx.post(base + "/api/rebuild", headers={"Origin": base}).status_code == 401

        keys = keys_for(server, "werkplein-hal", "werkplein-wachtruimte")
        assert beat(base, key=keys["werkplein-hal"]).status_code == 204
        assert beat(base, screen="onbekend").status_code == 404
        too_big = httpx.post(base + "/api/screens/werkplein-hal/heartbeat", content=b"{" + b" " * 5000 + b"}",
                             headers={"Content-Type": "application/json", "X-Screen-Key": keys["werkplein-hal"]})
        assert too_big.status_code == 413
        assert httpx.post(base + "/api/screens/werkplein-hal/heartbeat", content=b"niet json",
                          headers={"X-Screen-Key": keys["werkplein-hal"]}).status_code == 400
        codes = [beat(base, screen="werkplein-wachtruimte", key=keys["werkplein-wachtruimte"]).status_code for _ in range(8)]
        assert codes[:6] == [204] * 6 and 429 in codes[6:], codes

        key = server.records.new_screen_key("werkplein-lift")
        assert beat(base, screen="werkplein-lift").status_code == 403, "a keyed screen needs its key"
        assert beat(base, screen="werkplein-lift", key="verkeerd").status_code == 403
        other_key = server.records.new_screen_key("formulierenbrigade-balie")
        assert beat(base, screen="werkplein-lift", key=other_key).status_code == 403, "a key is for its own screen only"
        assert beat(base, screen="werkplein-lift", key=key).status_code == 204

        plays = {"plays": [{"item": "welkom", "start": "2026-11-23T09:00:00Z", "seconds": 8}] * 3}
        hal_key = {"X-Screen-Key": keys["werkplein-hal"]}
        assert httpx.post(base + "/api/screens/werkplein-hal/plays", json=plays, headers=hal_key).status_code == 204
        assert httpx.post(base + "/api/screens/werkplein-hal/plays", json={"plays": "x"}, headers=hal_key).status_code == 400

        client = login(base)
        data = client.get("/api/dashboard").json()
        hal = next(s for s in data["screens"] if s["id"] == "werkplein-hal")
        assert hal["online"] is True and hal["item"] == "welkom" and hal["offset_ms"] == 120
        assert hal["behind"] is True, "the screen reported version v1, not the newest"
        assert 300 < hal["loop_seconds"] <= hal["wait_seconds"] == 600, "one loop of the rotated languages fits the wait"
        assert data["plays_24h"] == {"welkom": 3}
        assert {"screen": "formulierenbrigade-wachtruimte", "name": "Formulierenbrigade, wachtruimte",
                "problem": "offline", "detail": None} in data["alerts"]
        page = client.get("/dashboard").text
        assert "Werkplein, hal" in page and "Let op:" in page and "oud" in page
        assert f"ronde {hal['loop_seconds'] // 60}:{hal['loop_seconds'] % 60:02d} min" in page
        assert "langer dan de wachttijd" not in page

        clock.advance(seconds=97)
        data = client.get("/api/dashboard").json()
        assert next(s for s in data["screens"] if s["id"] == "werkplein-hal")["online"] is False

        assert client.post("/logout").status_code == 303
        assert client.get("/api/dashboard").status_code == 401
        assert httpx.post(base + "/login", data={"name": "anne", "password": "fout"}, headers={"Origin": base}).status_code == 401


@browser
def test_the_dashboard_reloads_itself_unless_the_reader_turns_that_off(site):
    """A page that reloads every 30 s takes a screen reader back to the top each time (WCAG 2.2.1):
    the first link on the page turns it off, and the page then stays put."""
    clock = ManualClock(START)
    with live_server(site, clock, free_port()) as (base, server):
        client = login(base)
        page = client.get("/dashboard")
        assert page.headers["refresh"] == "30"
        first_link = page.text.index("<a ", page.text.index("<main"))
        assert page.text[first_link:].startswith('<a href="/dashboard?verversen=uit">Niet automatisch verversen</a>')
        still = client.get("/dashboard?verversen=uit")
        assert still.status_code == 200 and "refresh" not in still.headers
        assert '<a href="/dashboard">Nu verversen en automatisch blijven verversen</a>' in still.text


def test_sessions_expire_and_tokens_work(site):
    clock = ManualClock(START)
    with live_server(site, clock, free_port()) as (base, server):
        client = login(base)
        assert client.get("/api/dashboard").status_code == 200
        clock.advance(hours=8, seconds=1)
        assert client.get("/api/dashboard").status_code == 401
        token = server.records.new_token("anne", clock())
        assert httpx.get(base + "/api/dashboard", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(base + "/api/dashboard", headers={"Authorization": "Bearer nc_fout"}).status_code == 401


def test_report_is_csv_per_screen_and_slide(minimal):
    records = Records(minimal)
    at = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)
    records.add_plays("hal", [("welkom", at, 8.0), ("welkom", at, 8.0), ("wijzigingen-doorgeven", at, 12.0)])
    records.add_plays("hal", [("welkom", datetime(2026, 12, 5, tzinfo=timezone.utc), 8.0)])
    result = CliRunner().invoke(cli, ["-C", str(minimal), "report", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["scherm", "item", "vertoningen", "seconden"]
    assert rows[1:] == [["hal", "welkom", "2", "16.0"], ["hal", "wijzigingen-doorgeven", "1", "12.0"]]


def test_user_add_stores_only_a_hash(minimal):
    result = CliRunner().invoke(cli, ["-C", str(minimal), "user", "add", "bert", "--password-stdin"],
                                input="zeer-geheim-123\n")
    assert result.exit_code == 0, result.output
    assert b"zeer-geheim-123" not in (minimal / ".state/narrowcast.db").read_bytes()
    assert Records(minimal).check_password("bert", "zeer-geheim-123")
    short = CliRunner().invoke(cli, ["-C", str(minimal), "user", "add", "bert", "--password-stdin"], input="kort\n")
    assert short.exit_code == 1


@browser
def test_a_players_heartbeats_reach_the_dashboard_and_a_silent_screen_goes_offline(site, chromium):
    """The real player reports in; the dashboard (logged in through its form) shows it; silence -> offline."""
    clock = ManualClock(START)
    port = free_port()
    with live_server(site, clock, port) as (base, server):
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
        player = context.new_page()
        player.clock.install(time=START)
        player.goto(f"{base}/player/?screen=werkplein-hal&key={keys_for(server, 'werkplein-hal')['werkplein-hal']}")
        player.wait_for_function("window.narrowcast && window.narrowcast.state().current !== null", timeout=30_000)
        player.clock.run_for(6_000)  # the first report goes out 5 s after the start
        deadline = time.monotonic() + 30
        while "werkplein-hal" not in server.records.last_heartbeats() and time.monotonic() < deadline:
            player.clock.run_for(1_000)
            time.sleep(0.1)
        beat = server.records.last_heartbeats()["werkplein-hal"]
        assert beat.version == server.versions["werkplein-hal"] and beat.item and beat.resolution

        dashboard = context.new_page()
        response = dashboard.goto(f"{base}/dashboard")
        assert response.status == 401 and dashboard.locator("form.login").is_visible()
        dashboard.fill("#name", "anne")
        dashboard.fill("#password", PASSWORD)
        dashboard.click("button[type=submit]")
        row = dashboard.locator('tr[data-screen="werkplein-hal"]')
        assert "aan" in row.inner_text() and "nieuw" in row.inner_text()
        assert beat.item in row.inner_text()
        assert "formulierenbrigade-balie" in dashboard.locator("#alerts").inner_text(), "silent screens are listed on top"
        if os.environ.get("NARROWCAST_UPDATE_DOCS") or not (REPO / "docs/dashboard.png").exists():
            dashboard.set_viewport_size({"width": 1280, "height": 900})
            dashboard.screenshot(path=str(REPO / "docs/dashboard.png"), full_page=True)

        player.close()  # the screen falls silent
        clock.advance(seconds=96)
        dashboard.reload()
        assert "aan" in dashboard.locator('tr[data-screen="werkplein-hal"]').inner_text(), "96 s is still within the threshold"
        clock.advance(seconds=1)
        dashboard.reload()
        assert "uit" in dashboard.locator('tr[data-screen="werkplein-hal"]').inner_text()
        assert "werkplein-hal" in dashboard.locator("#alerts").inner_text()
        context.close()


@browser
def test_the_optional_webhook_hears_when_a_screen_goes_offline_and_comes_back(site):
    import json as json_module
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from narrowcast.serve.alerts import alert_round

    heard: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            heard.append(json_module.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_port}/hook"
    clock = ManualClock(START)
    try:
        with live_server(site, clock, free_port()) as (base, server):
            keys = keys_for(server)
            for screen in server.versions:
                assert beat(base, screen=screen, key=keys[screen], version=server.versions[screen]).status_code == 204
            known = alert_round(server, url, set())
            assert known == set() and heard == []
            clock.advance(seconds=97)
            assert beat(base, screen="werkplein-hal", key=keys["werkplein-hal"],
                        version=server.versions["werkplein-hal"]).status_code == 204
            known = alert_round(server, url, known)
            assert {(h["screen"], h["state"]) for h in heard} == {(s, "begin") for s in server.versions if s != "werkplein-hal"}
            heard.clear()
            assert beat(base, screen="werkplein-lift", key=keys["werkplein-lift"],
                        version=server.versions["werkplein-lift"]).status_code == 204
            alert_round(server, url, known)
            assert heard == [{"screen": "werkplein-lift", "problem": "offline", "state": "end", "time": heard[0]["time"]}]
    finally:
        hook.shutdown()
