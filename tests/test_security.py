"""Hostile requests against the real server: cross-site actions, login floods, screen writes, CSV formulas.

The server runs in this process (tests/liveserver.py) with a clock the test moves by hand; every
request is real HTTP with real cookies from the login form. A client's address is set the way a
reverse proxy on the same machine sets it (`X-Forwarded-For` from 127.0.0.1, which uvicorn trusts).
"""

from __future__ import annotations

import csv
import io
import json
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrowcast.commands.cli import cli
from narrowcast.state.records import Records
from narrowcast.state.files import load_notices

from .liveserver import ManualClock, live_server
from .serving import NarrowcastServer, free_port
from .test_build import browser
from .test_serve import fresh_copy, prebuilt  # noqa: F401  (fixture)

pytestmark = browser  # the server builds the example content at start

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
PASSWORD = "een-lang-wachtwoord"
NOTICE = {"text": "Het Werkplein is vanmiddag dicht."}
HTTP = httpx.Client(timeout=30)  # one client: making one per request costs more than the request


@pytest.fixture
def site(prebuilt, tmp_path):  # noqa: F811
    root = fresh_copy(prebuilt, tmp_path)
    Records(root).set_user("anne", PASSWORD, START, "eindredacteur")
    return root


@contextmanager
def served(root: Path):
    clock = ManualClock(START)
    with live_server(root, clock, free_port()) as (base, server):
        yield base, server, clock


def login(base: str, **headers) -> httpx.Client:
    """Log in through the form as a browser on our own page would (it sends its Origin)."""
    client = httpx.Client(base_url=base, headers={"Origin": base, **headers})
    response = client.post("/login", data={"name": "anne", "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


def other_origin() -> str:
    return f"http://127.0.0.1:{free_port()}"


def from_address(address: str) -> dict:
    return {"X-Forwarded-For": address}


def set_setting(root: Path, name: str, value: str | None) -> None:
    """Put `name: value` in narrowcast.yaml in place of the line that has it, if any; None: leave it out."""
    path = root / "narrowcast.yaml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith(name + ":")]
    at = lines.index("screens:\n")
    path.write_text("".join(lines[:at] + ([f"{name}: {value}\n"] if value else []) + lines[at:]), encoding="utf-8")


def keys_for(server) -> dict[str, str]:
    return {screen: server.records.new_screen_key(screen) for screen in server.versions}


def beat(base: str, screen: str, key: str | None = None, headers: dict | None = None, **body) -> httpx.Response:
    sent = {"X-Screen-Key": key} if key else {}
    return HTTP.post(f"{base}/api/screens/{screen}/heartbeat", json={"version": "v1", "item": "welkom", **body},
                      headers={**sent, **(headers or {})})


def plays(base: str, screen: str, key: str, body, headers: dict | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HTTP.post(f"{base}/api/screens/{screen}/plays", content=content,
                      headers={"Content-Type": "application/json", "X-Screen-Key": key, **(headers or {})})


def assert_dutch_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    message = response.json()["error"]
    assert isinstance(message, str) and message.strip()
    return message


# --- 5. cross-site requests ------------------------------------------------------------------------------

def test_a_page_on_another_port_cannot_publish_a_notice_or_start_a_rebuild(site):
    with served(site) as (base, server, _clock):
        staff = login(base)
        evil = other_origin()
        builds = server.state.builds
        for headers in ({"Origin": evil}, {"Origin": "null"}):
            refused = staff.post("/api/urgent", json=NOTICE, headers=headers)
            assert "andere website" in assert_dutch_error(refused, 403)
            assert_dutch_error(staff.post("/api/rebuild", json={}, headers=headers), 403)
        referer_only = httpx.Client(base_url=base, cookies=staff.cookies, headers={"Referer": evil + "/aanval.html"})
        assert_dutch_error(referer_only.post("/api/urgent", json=NOTICE), 403)
        bare = httpx.Client(base_url=base, cookies=staff.cookies)
        assert "Origin" in assert_dutch_error(bare.post("/api/urgent", json=NOTICE), 403), "a cookie alone is not enough"
        assert_dutch_error(staff.post("/api/urgent", content=json.dumps(NOTICE), headers={"Content-Type": "text/plain"}),
                           403)
        assert load_notices(site) == [] and server.state.builds == builds, "nothing was published or rebuilt"

        own_page = httpx.Client(base_url=base, cookies=staff.cookies, headers={"Referer": base + "/dashboard"})
        made = own_page.post("/api/urgent", json=NOTICE)
        assert made.status_code == 200, made.text
        assert [n.id for n in load_notices(site)] == [made.json()["id"]], "our own page still publishes"


def test_logging_in_and_out_needs_our_own_page(site):
    with served(site) as (base, server, _clock):
        form = {"name": "anne", "password": PASSWORD}
        foreign = httpx.post(base + "/login", data=form, headers={"Origin": other_origin()})
        assert foreign.status_code == 403 and "set-cookie" not in foreign.headers, "no login CSRF"
        assert httpx.post(base + "/login", data=form).status_code == 403, "a login without Origin or Referer"
        as_json = httpx.post(base + "/login", json=form, headers={"Origin": base})
        assert "application/x-www-form-urlencoded" in assert_dutch_error(as_json, 403)

        staff = login(base)
        cookie = staff.cookies.get("nc_session")
        assert staff.post("/logout", headers={"Origin": other_origin()}).status_code == 403
        assert staff.get("/api/dashboard").status_code == 200, "a foreign page cannot log staff out"
        assert staff.post("/logout").status_code == 303
        assert server.records.session_user(cookie, START) is None


def test_a_body_too_large_is_refused_before_it_is_read_even_without_a_length(site):
    """Found in the studio's review: /login took a multipart body of any size (spooled to disk) from anyone."""
    with served(site) as (base, server, _clock):
        origin = {"Origin": base}
        stated = httpx.post(base + "/login", files={"f": ("groot.bin", b"0" * (3 * 2**20))},
                            data={"name": "anne", "password": PASSWORD}, headers=origin)
        assert "Te groot" in assert_dutch_error(stated, 413) and "1 MB" in stated.json()["error"]
        assert "set-cookie" not in stated.headers

        def chunks():  # no Content-Length (chunked): counted as it comes, refused once past the limit
            for _ in range(24):
                yield b"x" * 2**16
        chunked = httpx.post(base + "/login", content=chunks(), timeout=60,
                             headers={**origin, "Content-Type": "application/x-www-form-urlencoded"})
        assert "chunked" in chunked.request.headers.get("transfer-encoding", "")
        assert "Te groot" in assert_dutch_error(chunked, 413)
        # a slide's form may carry a picture: its limit is larger, and says what to do
        staff = login(base)
        big = staff.post("/studio/slides/iets", files={"image_file": ("groot.png", b"0" * (6 * 2**20), "image/png")})
        assert "hoogstens 5 MB" in assert_dutch_error(big, 413) and "kleiner" in big.json()["error"]
        assert staff.post("/login", data={"name": "anne", "password": PASSWORD}).status_code == 303, "normal ones pass"


def test_a_refusal_a_browser_gets_is_a_dutch_page(site, chromium):
    """A form posted from elsewhere, or too large, shows a page in Dutch with a way back, not raw JSON."""
    with served(site) as (base, _server, _clock):
        page = chromium.new_page()
        page.goto(base + "/login")
        page.evaluate("""() => { const area = document.createElement('textarea'); area.name = 'name';
            area.value = 'x'.repeat(2 * 1024 * 1024); const form = document.querySelector('form');
            form.append(area); form.submit(); }""")
        page.wait_for_selector("h1")
        assert page.locator("h1").inner_text() == "Te groot"
        assert "hoogstens 1 MB" in page.locator("[role=alert]").inner_text()
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.locator("a").get_attribute("href") == "/login"
        page.close()


def test_the_session_cookie_is_strict_and_a_login_never_keeps_a_planted_session(site):
    with served(site) as (base, server, _clock):
        response = httpx.post(base + "/login", data={"name": "anne", "password": PASSWORD}, headers={"Origin": base})
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("nc_session=")
        for part in ("httponly", "samesite=strict", "path=/"):
            assert part in cookie.lower(), cookie

        planted = server.records.new_session("anne", START)  # a session id an attacker knows
        victim = httpx.post(base + "/login", data={"name": "anne", "password": PASSWORD},
                            headers={"Origin": base, "Cookie": f"nc_session={planted}"})
        assert victim.status_code == 303
        fresh = victim.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        assert fresh != planted and server.records.session_user(fresh, START) == "anne", "a fresh session id at login"
        assert server.records.session_user(planted, START) is None, "the planted session is ended"


def test_behind_an_https_proxy_the_cookie_is_host_only_and_secure(site):
    set_setting(site, "trusted_origins", "[https://borden.example.nl]")
    with served(site) as (base, server, _clock):
        proxied = {"X-Forwarded-Proto": "https", "Origin": "https://borden.example.nl"}
        response = httpx.post(base + "/login", data={"name": "anne", "password": PASSWORD}, headers=proxied)
        assert response.status_code == 303, response.text
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-nc_session=") and "secure" in cookie.lower() and "domain" not in cookie.lower()
        token = cookie.split(";")[0].split("=", 1)[1]
        https = {"X-Forwarded-Proto": "https"}
        assert httpx.get(base + "/api/dashboard", headers={**https, "Cookie": f"__Host-nc_session={token}"}).status_code == 200
        assert httpx.get(base + "/api/dashboard", headers={**https, "Cookie": f"nc_session={token}"}).status_code == 401, \
            "under HTTPS a cookie without the prefix (one a sibling could plant) is not read"
        untrusted = httpx.post(base + "/login", data={"name": "anne", "password": PASSWORD},
                               headers={**https, "Origin": "https://elders.example.nl"})
        assert untrusted.status_code == 403


def test_a_script_with_an_api_token_needs_no_origin_but_must_send_json(site):
    with served(site) as (base, server, clock):
        bearer = {"Authorization": "Bearer " + server.records.new_token("anne", clock())}
        done = httpx.post(base + "/api/rebuild", json={}, headers=bearer)
        assert done.status_code == 200, done.text
        assert httpx.post(base + "/api/rebuild", headers=bearer).status_code == 200, "no body needs no type"
        wrong = httpx.post(base + "/api/urgent", content=json.dumps(NOTICE), headers={**bearer, "Content-Type": "text/plain"})
        assert "application/json" in assert_dutch_error(wrong, 403)


def test_a_malformed_notice_request_gets_a_dutch_400_not_a_crash(site):
    with served(site) as (base, server, clock):
        bearer = {"Authorization": "Bearer " + server.records.new_token("anne", clock()), "Content-Type": "application/json"}
        for body in (b"[1]", b"niet json", b'{"text": NaN}', b"[" * 5000 + b"]" * 5000, b'{"text": 5}',
                     b'{"text": "Het Werkplein is dicht.", "screens": "werkplein-hal"}', b'{"text": "Dicht.", "icon": []}'):
            response = HTTP.post(base + "/api/urgent", content=body, headers=bearer)
            message = assert_dutch_error(response, 400)
            assert "Expecting" not in message and "line 1" not in message, message
        assert load_notices(site) == []


def test_screens_report_from_any_origin(site):
    with served(site) as (base, server, _clock):
        keys = keys_for(server)
        elsewhere = {"Origin": "http://intranet.example.nl"}  # a player served by nginx under /borden/
        assert beat(base, "werkplein-hal", keys["werkplein-hal"], elsewhere).status_code == 204
        played = plays(base, "werkplein-hal", keys["werkplein-hal"],
                       {"plays": [{"item": "welkom", "start": "2026-11-23T08:59:00Z", "seconds": 8}]}, elsewhere)
        assert played.status_code == 204


class _AttackPage(BaseHTTPRequestHandler):
    html = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args):
        pass


@contextmanager
def attack_page(target: str):
    """A page on another 127.0.0.1 port that starts a rebuild and posts a notice to `target` on load."""
    field = json.dumps(NOTICE)[:-1] + ', "x": "'
    html = f"""<!doctype html><meta charset="utf-8"><title>prijsvraag</title>
<form method="post" action="{target}/api/urgent" enctype="text/plain"><input type="hidden" name='{field}' value='"}}'></form>
<script>
fetch("{target}/api/rebuild", {{method: "POST", mode: "no-cors", credentials: "include"}})
  .finally(() => document.forms[0].submit());
</script>"""
    handler = type("Page", (_AttackPage,), {"html": html.encode()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_form_on_a_sibling_origin_cannot_act_for_logged_in_staff_in_a_real_browser(site, chromium):
    with served(site) as (base, server, _clock), attack_page(base) as evil:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(base + "/dashboard")
            page.fill("#name", "anne")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("tr[data-screen]")
            builds = server.state.builds
            with page.expect_response(lambda r: r.url == base + "/api/urgent") as posted:
                page.goto(evil)
            response = posted.value
            assert response.status == 403 and "andere website" in response.text()
            assert load_notices(site) == [], "no notice was made"
            assert server.state.builds == builds, "no rebuild was started"
            page.goto(base + "/dashboard")
            assert page.locator("tr[data-screen]").count() > 0, "staff are still logged in"
        finally:
            context.close()


# --- 6. accounts ------------------------------------------------------------------------------------------

def _try_login(base: str, name: str, password: str, address: str) -> httpx.Response:
    return httpx.post(base + "/login", data={"name": name, "password": password},
                      headers={"Origin": base, **from_address(address)})


def test_failed_logins_back_off_per_name_without_hashing(site):
    with served(site) as (base, server, clock):
        hashed = []
        check = server.records.check_password
        server.records.check_password = lambda *args: hashed.append(args) or check(*args)
        for i in range(5):
            assert _try_login(base, "anne", "geraden-wachtwoord", f"10.0.1.{i}").status_code == 401
        refused = _try_login(base, "anne", PASSWORD, "10.0.1.99")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert "Te veel pogingen; probeer het over 1 minuut opnieuw" in refused.text
        assert len(hashed) == 5, "a refused try costs no password hash"

        clock.advance(seconds=61)
        assert _try_login(base, "anne", "nog-een-gok", "10.0.1.99").status_code == 401
        longer = _try_login(base, "anne", PASSWORD, "10.0.1.99")
        assert longer.status_code == 429 and "over 2 minuten" in longer.text, "the wait grows"
        clock.advance(minutes=2, seconds=1)
        assert _try_login(base, "anne", PASSWORD, "10.0.1.99").status_code == 303
        for _ in range(5):
            assert _try_login(base, "anne", "weer-fout-1234", "10.0.1.98").status_code == 401, \
                "a good login starts the count again"


def test_failed_logins_back_off_per_client_address(site):
    with served(site) as (base, server, clock):
        Records(site).set_user("bert", PASSWORD, START, "eindredacteur")
        for i in range(5):
            assert _try_login(base, f"naam{i}", "geraden-wachtwoord", "10.0.2.7").status_code == 401
        assert _try_login(base, "bert", PASSWORD, "10.0.2.7").status_code == 429, "one address, many names"
        assert _try_login(base, "bert", PASSWORD, "10.0.2.8").status_code == 303, "another address is not held up"


def test_a_burst_of_logins_hashes_one_password_at_a_time(site):
    """scrypt takes a core: one hash at a time leaves the other core to the screens and /healthz."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    with served(site) as (base, server, _clock):
        check, running, seen = server.records.check_password, [], []

        def watched(*args):
            running.append(1)
            seen.append(len(running))
            time.sleep(0.2)  # long enough that parallel hashes would overlap
            try:
                return check(*args)
            finally:
                running.pop()

        server.records.check_password = watched
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda i: _try_login(base, f"naam{i}", "gok-gok-gok", f"10.0.5.{i}").status_code, range(4)))
        assert codes == [401] * 4
        assert seen == [1] * 4, "never two hashes at once"


def test_a_new_password_ends_the_old_sessions_but_not_the_api_tokens(site):
    with served(site) as (base, server, clock):
        staff = login(base)
        token = server.records.new_token("anne", clock())
        result = CliRunner().invoke(cli, ["-C", str(site), "user", "add", "anne", "--password-stdin"],
                                    input="een-ander-wachtwoord\n")
        assert result.exit_code == 0, result.output
        assert "sessies" in result.output and "--revoke" in result.output
        assert staff.get("/api/dashboard").status_code == 401, "the old session ended"
        assert httpx.get(base + "/api/dashboard", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_api_tokens_expire_can_be_listed_and_revoked(site):
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["-C", str(site), "user", *args])
        assert result.exit_code == 0, result.output
        return result.output

    short = run("token", "anne", "--days", "2", "--at", "2026-11-23 10:00").strip().splitlines()[0]
    usual = run("token", "anne", "--at", "2026-11-23 10:00").strip().splitlines()[0]
    listing = run("list", "--at", "2026-11-23 10:00")
    assert "anne" in listing and "verloopt 2026-11-25 10:00" in listing and "verloopt 2027-02-21 10:00" in listing
    assert short not in listing and usual not in listing, "a token is shown once, never listed"
    with served(site) as (base, server, clock):
        def status(token):
            return httpx.get(base + "/api/dashboard", headers={"Authorization": f"Bearer {token}"}).status_code

        assert status(short) == 200 and status(usual) == 200
        clock.advance(days=2, seconds=1)
        assert status(short) == 401 and status(usual) == 200, "a token ends at its expiry"
        revoked = run("token", "anne", "--revoke")
        assert "ingetrokken" in revoked
        assert status(usual) == 401, "a revoked token no longer works"
    unknown = runner.invoke(cli, ["-C", str(site), "user", "token", "niemand"])
    assert unknown.exit_code == 1 and "bestaat niet" in unknown.output


# --- 7. screen writes ---------------------------------------------------------------------------------------

def test_a_new_folder_requires_screen_keys(tmp_path, site):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "nieuw")])
    assert result.exit_code == 0, result.output
    assert "screen_keys: required" in (tmp_path / "nieuw/narrowcast.yaml").read_text(encoding="utf-8")
    with served(site) as (base, server, _clock):
        refused = beat(base, "werkplein-hal")
        assert "narrowcast screen-key werkplein-hal" in assert_dutch_error(refused, 403)
        key = server.records.new_screen_key("werkplein-hal")
        assert beat(base, "werkplein-hal", key).status_code == 204


def test_an_old_folder_without_the_setting_keeps_working_and_is_warned(site):
    set_setting(site, "screen_keys", None)
    checked = CliRunner().invoke(cli, ["-C", str(site), "check", "--no-render"])
    assert checked.exit_code == 0, checked.output
    assert "narrowcast.yaml: waarschuwing: screen_keys:" in checked.output
    with served(site) as (base, _server, _clock):
        assert beat(base, "werkplein-hal").status_code == 204


def test_serve_prints_each_new_key_once_in_the_player_url(minimal, tmp_path):
    set_setting(minimal, "screen_keys", "required")
    server = NarrowcastServer(minimal, free_port(), tmp_path / "serve.log")
    try:
        printed = server.output()
    finally:
        server.stop(quiet=True)
    url = next(line for line in printed.splitlines() if "speler hal:" in line).split(": ", 1)[1].strip()
    assert url.startswith(f"http://127.0.0.1:{server.port}/player/?screen=hal&key=")
    key = url.split("&key=")[1]

    again = NarrowcastServer(minimal, free_port(), tmp_path / "serve2.log")
    try:
        assert beat(again.base, "hal", key).status_code == 204, "the printed URL works"
        assert beat(again.base, "hal").status_code == 403
        second = again.output()
    finally:
        again.stop(quiet=True)
    assert key not in second, "a key is shown once"
    line = next(line for line in second.splitlines() if "speler hal:" in line)
    assert "narrowcast screen-key hal" in line, "tells how to get a new key instead of a URL that does not work"


def test_screen_key_prints_the_player_url_with_its_key(minimal):
    result = CliRunner().invoke(cli, ["-C", str(minimal), "screen-key", "hal"])
    assert result.exit_code == 0, result.output
    url = next(line for line in result.output.splitlines() if "/player/?screen=hal&key=" in line)
    key = url.split("&key=")[1].strip()
    assert Records(minimal).screen_key_ok("hal", key)


def test_a_stranger_cannot_starve_a_screens_reports(site):
    set_setting(site, "screen_keys", "optional")  # the old default: no keys
    with served(site) as (base, _server, _clock):
        stranger, screen = from_address("10.0.3.66"), from_address("10.0.3.10")
        codes = [beat(base, "werkplein-hal", headers=stranger).status_code for _ in range(10)]
        assert 429 in codes
        assert beat(base, "werkplein-hal", headers=screen).status_code == 204, "the real screen is still heard"


def test_a_stranger_guessing_keys_is_slowed_down_and_the_screen_still_reports(site):
    with served(site) as (base, server, _clock):
        key = server.records.new_screen_key("werkplein-hal")
        stranger = from_address("10.0.4.66")
        codes = [beat(base, screen, "geraden", stranger).status_code
                 for _ in range(50) for screen in ("werkplein-hal", "werkplein-lift", "onbekend")]
        assert codes[0] in (403, 404) and codes[-1] == 429, "one address has a limit over all screens"
        assert "te vaak" in assert_dutch_error(beat(base, "werkplein-hal", key, stranger), 429)
        assert beat(base, "werkplein-hal", key, from_address("10.0.4.10")).status_code == 204


def test_plays_outside_a_sane_window_are_not_kept(site):
    with served(site) as (base, server, clock):
        key = server.records.new_screen_key("werkplein-hal")
        body = {"plays": [{"item": "welkom", "start": "2999-01-01T00:00:00Z", "seconds": 8},
                          {"item": "welkom", "start": "2026-11-23T09:10:00Z", "seconds": 8},  # 10 min ahead
                          {"item": "welkom", "start": "2026-01-01T00:00:00Z", "seconds": 8},  # older than retention
                          {"item": "welkom", "start": "2026-11-23T08:58:00Z", "seconds": 8}]}
        assert plays(base, "werkplein-hal", key, body).status_code == 204
        assert server.records.count("plays") == 1, "only the play from the last minutes is kept"
        server.records.add_plays("werkplein-hal", [("welkom", datetime(2999, 1, 1, tzinfo=timezone.utc), 8.0)])
        staff = login(base)
        assert staff.get("/api/dashboard").json()["plays_24h"] == {"welkom": 1}, "a play from 2999 is not 'last 24 hours'"
        assert server.records.prune(clock()) == 1 and server.records.count("plays") == 1, "and it is pruned"


MALFORMED_PLAYS = {
    "item missing": {"plays": [{"start": "2026-11-23T08:58:00Z", "seconds": 8}]},
    "item not text": {"plays": [{"item": {"a": 1}, "start": "2026-11-23T08:58:00Z", "seconds": 8}]},
    "year 1 with an offset": {"plays": [{"item": "welkom", "start": "0001-01-01T00:00:00+01:00", "seconds": 8}]},
    "no timezone": {"plays": [{"item": "welkom", "start": "2026-11-23T08:58:00", "seconds": 8}]},
    "start not text": {"plays": [{"item": "welkom", "start": 12, "seconds": 8}]},
    "seconds NaN": b'{"plays": [{"item": "welkom", "start": "2026-11-23T08:58:00Z", "seconds": NaN}]}',
    "seconds Infinity": b'{"plays": [{"item": "welkom", "start": "2026-11-23T08:58:00Z", "seconds": Infinity}]}',
    "seconds a truth value": {"plays": [{"item": "welkom", "start": "2026-11-23T08:58:00Z", "seconds": True}]},
    "a play not an object": {"plays": [["welkom"]]},
    "plays not a list": {"plays": "welkom"},
    "deep nesting": b'{"plays": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "not an object": [1, 2],
}


def test_malformed_screen_writes_get_a_dutch_400(site):
    with served(site) as (base, server, clock):
        key = server.records.new_screen_key("werkplein-hal")
        for name, body in MALFORMED_PLAYS.items():
            clock.advance(seconds=10)
            response = plays(base, "werkplein-hal", key, body)
            assert response.status_code == 400, (name, response.status_code, response.text)
            assert_dutch_error(response, 400)
        headers = {"Content-Type": "application/json", "X-Screen-Key": key}
        for body in (b"[" * 2000 + b"]" * 2000, b'{"offset_ms": NaN}', b'{"version": {"a": 1}}', b"[]"):
            clock.advance(seconds=10)
            response = httpx.post(f"{base}/api/screens/werkplein-hal/heartbeat", content=body, headers=headers)
            assert_dutch_error(response, 400)
        assert server.records.count("plays") == 0 and server.records.count("heartbeats") == 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["2026-11-23T08:58:00Z", "0001-01-01T00:00:00+01:00", "2999-12-31T23:59:59Z", "welkom"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from(["plays", "item", "start", "seconds", "version", "offset_ms", "resolution", "problem"]) | st.text(max_size=8),
        inner, max_size=5),
    max_leaves=30)


def test_random_json_at_the_screen_writes_never_gives_a_500(site):
    with served(site) as (base, server, clock):
        key = server.records.new_screen_key("werkplein-hal")
        client = httpx.Client(base_url=base, headers={"Content-Type": "application/json", "X-Screen-Key": key})

        @settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(body=JSON, path=st.sampled_from(["heartbeat", "plays"]))
        def post_anything(body, path):
            clock.advance(minutes=1)  # the limits refill by the server's clock
            response = client.post(f"/api/screens/werkplein-hal/{path}", content=json.dumps(body).encode())
            if response.status_code != 204:
                assert_dutch_error(response, 400)

        post_anything()


# --- the report -----------------------------------------------------------------------------------------

def test_the_report_never_hands_a_spreadsheet_a_formula(minimal):
    records = Records(minimal)
    at = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)
    names = ["=HYPERLINK(\"http://x\")", "+31", "-1+1", "@SUM(A1)", "\tverstopt", "\rterug", "welkom"]
    records.add_plays("hal", [(name, at, 8.0) for name in names])
    result = CliRunner().invoke(cli, ["-C", str(minimal), "report", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert result.exit_code == 0, result.output
    cells = {row[1] for row in csv.reader(io.StringIO(result.stdout))}
    assert {"'=HYPERLINK(\"http://x\")", "'+31", "'-1+1", "'@SUM(A1)", "'\tverstopt", "'\rterug", "welkom"} <= cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)


def test_an_urgent_notice_over_http_needs_an_eindredacteur(site):
    Records(site).set_user("anne", PASSWORD, START, "redacteur")
    with served(site) as (base, server, clock):
        staff = login(base)
        refused = staff.post("/api/urgent", json=NOTICE)
        assert "een urgente melding maken mag alleen een eindredacteur of beheerder" in \
            assert_dutch_error(refused, 403)
        assert not (site / ".state/urgent.json").exists(), "nothing was saved"
        for write in ("/api/proposals/1/approve", "/api/history/1/rollback"):
            assert "mag alleen een eindredacteur" in assert_dutch_error(staff.post(write, json={}), 403), write
