"""Random bytes in every state file: never a traceback, never a 500, always a Dutch message.

A disk that fills up, a kill during a write or a hand edit can leave any of these files damaged.
The commands that read them, and the server's pages, must say in Dutch what is wrong (exit 1)
or rebuild what is only a cache, and nothing else.
"""

from __future__ import annotations

import shutil
import traceback
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import httpx
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrowcast.render.cache import CACHE_DIR, CHECKS_MEMO, LAST_BUILD
from narrowcast.commands.cli import cli
from narrowcast.publish.swap import LOG
from narrowcast.state.files import FORCED, NOTICES, STATE_DIR

from .conftest import run_in_own_loop

NOW = "2026-11-23 10:00"
# Each state file, and the commands that read it (no command here starts a browser).
STATE_FILES = {
    f"{STATE_DIR}/{NOTICES}": [["urgent", "--list"], ["schedule", "--at", NOW], ["check", "--no-render", "--at", NOW]],
    f"{STATE_DIR}/narrowcast.db": [["user", "list"], ["report", "--from", "2026-11-01", "--to", "2026-11-24"]],
    f"{STATE_DIR}/{FORCED}": [["check", "--no-render", "--at", NOW]],
    f"{CACHE_DIR}/{CHECKS_MEMO}": [["check", "--no-render", "--at", NOW]],
    f"{CACHE_DIR}/{LAST_BUILD}": [["check", "--no-render", "--at", NOW]],
    f".output.builds/{LOG}": [["schedule", "--at", NOW]],
}
# Bytes that look like the real thing half the time: a cut-off JSON document, or SQLite's header.
DAMAGE = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda keep, tail: b'[{"id": "20261123-1000", "text": "Het Werkplein", "until": "2026-11-23T17:00"}]'[:keep] + tail,
              st.integers(0, 80), st.binary(max_size=20)),
    st.builds(lambda tail: b"SQLite format 3\x00" + tail, st.binary(max_size=400)),
    st.builds(lambda n: b"[" * n, st.integers(900, 3000)),
)
RUNS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The minimal content with every state file present, made by narrowcast itself where it can."""
    from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, MINIMAL_SLIDE, write_files

    root = write_files(tmp_path_factory.mktemp("staat") / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE, "slides/wijzigingen.yaml": MINIMAL_SLIDE,
        "playlists/werkplein.yaml": MINIMAL_PLAYLIST})
    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(root), "user", "add", "anna", "--password-stdin"],
                         input="een lang wachtwoord\n").exit_code == 0
    assert runner.invoke(cli, ["-C", str(root), "check", "--no-render", "--at", NOW]).exit_code == 0
    return root


def _damaged_copy(base: Path, target: Path, name: str, data: bytes) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target, symlinks=True)
    path = target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return target


@pytest.mark.parametrize("name", list(STATE_FILES))
def test_random_bytes_in_a_state_file_give_a_dutch_message_or_are_rebuilt(base, tmp_path, name):
    runner = CliRunner()

    @RUNS
    @given(data=DAMAGE)
    def run(data: bytes):
        root = _damaged_copy(base, tmp_path / "kopie", name, data)
        for args in STATE_FILES[name]:
            result = runner.invoke(cli, ["-C", str(root), *args])
            said = result.output  # stdout and stderr together
            assert result.exit_code in (0, 1), (args, result.exit_code, said, result.exc_info)
            assert result.exception is None or isinstance(result.exception, SystemExit), \
                (args, "".join(traceback.format_exception(*result.exc_info)))
            assert "Traceback" not in said, said
            if result.exit_code == 1:
                assert "Fout: " in said, (args, said)

    run()


@pytest.mark.parametrize("name", [f"{STATE_DIR}/{NOTICES}", f"{STATE_DIR}/narrowcast.db", "output/index.json",
                                  "output/screens/hal/manifest.json"])
def test_random_bytes_in_a_state_file_never_give_the_server_a_500(base, tmp_path, name):
    """The server's pages over a damaged state file (in this process, no build: what is asked of
    the state, not of the browser)."""
    from narrowcast.serve.app import create_app
    from narrowcast.serve.server import Server
    from narrowcast.errors import NarrowcastError

    from .liveserver import ManualClock

    @RUNS
    @given(data=DAMAGE)
    def run(data: bytes):
        root = _damaged_copy(base, tmp_path / "kopie", name, data)
        try:
            server = Server(root, ManualClock(datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))))
        except Exception as exc:  # noqa: BLE001 — at the worst a Dutch NarrowcastError, which serve shows
            assert isinstance(exc, NarrowcastError), repr(exc)
            return
        try:
            run_in_own_loop(_ask_every_page(create_app(server)))
        finally:
            server.records.close()

    run()


async def _ask_every_page(app) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        origin = {"origin": "http://testserver"}
        for method, path, kwargs in (
                ("GET", "/healthz", {}), ("GET", "/dashboard", {}), ("GET", "/index.json", {}),
                ("GET", "/screens/hal/manifest.json", {}),
                ("POST", "/login", {"data": {"name": "anna", "password": "fout"}, "headers": origin}),
                ("POST", "/api/screens/hal/heartbeat", {"json": {"version": "x"}})):
            try:
                response = await client.request(method, path, **kwargs)
            except Exception as exc:  # noqa: BLE001 — the app raised: what a 500 would have been
                raise AssertionError(f"{method} {path} raised {exc!r}") from exc
            assert response.status_code < 500, (method, path, response.status_code, response.text[:500])


def test_a_database_damaged_while_the_server_runs_gives_a_dutch_503_not_a_500(base, tmp_path):
    """Found by a hostile review: the database cut short under a running server made screen writes 500."""
    from narrowcast.serve.app import create_app
    from narrowcast.serve.server import Server

    from .liveserver import ManualClock

    root = _damaged_copy(base, tmp_path / "kopie", "slides/wijzigingen.yaml",
                         (base / "slides/wijzigingen.yaml").read_bytes())
    server = Server(root, ManualClock(datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))))
    server.versions = {"hal": "v1"}
    database = root / STATE_DIR / "narrowcast.db"
    database.write_bytes(database.read_bytes()[:3000])

    async def ask():
        transport = httpx.ASGITransport(app=create_app(server))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post("/api/screens/hal/heartbeat", json={"version": "v1"})

    try:
        response = run_in_own_loop(ask())
    finally:
        server.records.close()
    assert response.status_code == 503, (response.status_code, response.text)
    assert ".state/narrowcast.db" in response.json()["error"] and "Zet het bestand opzij" in response.json()["error"]
