"""Shared fixtures: content folders to break, the example content, and a browser when there is one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

MINIMAL_SITE = """\
site: Testlocatie
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: werkplein
"""
MINIMAL_SLIDE = """\
id: wijzigingen-doorgeven
title: Verandert er iets?
text: Geef het binnen 1 week aan ons door.
icon: bell
"""
MINIMAL_PLAYLIST = """\
id: werkplein
name: Werkplein
items:
  - slide: wijzigingen-doorgeven
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """The smallest valid content folder: one screen, the minimal slide of PRODUCT.md, one playlist."""
    return write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE,
        "slides/wijzigingen.yaml": MINIMAL_SLIDE,
        "playlists/werkplein.yaml": MINIMAL_PLAYLIST,
    })


def copy_example(target: Path) -> Path:
    from narrowcast.commands.example import copy_example as init_copy

    init_copy(target)
    # init makes a folder with four eyes (publishing: review); the tests of everything else use the
    # repository's example as it is, which publishes directly
    (target / "narrowcast.yaml").write_bytes((REPO / "narrowcast.yaml").read_bytes())
    return target


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the repository's example content."""
    return copy_example(tmp_path / "voorbeeld")


def run_in_own_loop(coroutine):
    """asyncio.run in a thread of its own: the session's sync Playwright keeps a loop running in this one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


INSECURE_HOST = "screen.test"  # mapped to 127.0.0.1: an origin the browser does not treat as secure


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def chromium_options() -> dict:
    from narrowcast.render.browser import find_chromium, launch_args

    executable = find_chromium(shell=False)  # a screen runs the full browser
    return {"executable_path": executable,
            "args": launch_args(executable) + [f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1"]}


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    browser_ = playwright_driver.chromium.launch(**chromium_options())
    yield browser_
    browser_.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true nothing may silently skip: CI installs everything, so a skip is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (CI must install everything the tests need): {report.longrepr}"


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL for the session (tests/pgcluster.py); skipped (a failure under CI=true) when not installed."""
    from .pgcluster import INSTALL, ThrowawayPostgres, binaries

    if binaries() is None:
        pytest.skip(f"PostgreSQL is not installed: {INSTALL}")
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres):
    """An empty database of the session's PostgreSQL, one per test; the engines are let go after."""
    from narrowcast.state.database import dispose_all

    yield postgres.new_database()
    dispose_all()
