"""Screenshots of the studio for docs/: the example content, served for real, in Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs]

Copies the example into a temporary folder (review mode, one approved publication, a redacteur
and an eindredacteur), starts `narrowcast serve` on 127.0.0.1, logs in and saves
studio-overview.png, studio-editor.png (a slide with an officialese word marked) and
studio-review.png at 1280 px wide. The server is stopped at the end.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "een lang wachtwoord"


def prepare(folder: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from narrowcast.commands.example import copy_example
    from narrowcast.state.records import Records

    copy_example(folder)  # publishing: review, as init makes it
    records = Records(folder)
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    records.set_user("anna", PASSWORD, now, "redacteur")
    records.set_user("bert", PASSWORD, now, "eindredacteur")
    records.close()
    for command in (["publish", "--user", "anna"], ["approve", "1", "--user", "bert"]):
        subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(folder), *command], check=True, capture_output=True)
    slide = folder / "slides/wijzigingen.yaml"  # a draft with an officialese word, for the editor's marks
    slide.write_text(slide.read_text(encoding="utf-8").replace("Geef het snel aan ons door.",
                                                               "Geef het indien mogelijk snel aan ons door.", 1),
                     encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def logged_in_studio(prefix: str) -> Iterator[tuple[str, object]]:
    """The example (prepared as above) served by `narrowcast serve` on 127.0.0.1, and a Chromium page
    logged in as the redacteur on /studio: (base URL, page). Everything is stopped and removed after."""
    from playwright.sync_api import sync_playwright

    from narrowcast.render.browser import find_chromium, launch_args

    work, port = Path(tempfile.mkdtemp(prefix=prefix)), free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        prepare(work / "inhoud")
        server = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(work / "inhoud"), "serve", "--port",
                                   str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).json().get("builds", 0) >= 1:
                    break
            except (httpx.HTTPError, ValueError):
                time.sleep(0.3)
        with sync_playwright() as playwright:
            executable = find_chromium(shell=False)
            browser = playwright.chromium.launch(executable_path=executable, args=launch_args(executable))
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/studio")
            page.fill("#name", "anna")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/studio")
            try:
                yield base, page
            finally:
                browser.close()
    finally:
        if server is not None:
            server.kill()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with logged_in_studio("nc-screens-") as (base, page):
        for _ in range(60):  # the preview's first build makes the thumbnails
            page.goto(base + "/studio")
            if not page.locator(".nothumb").count():
                break
            time.sleep(2)
        page.screenshot(path=str(args.out / "studio-overview.png"), full_page=False)
        page.goto(base + "/studio/slides/wijzigingen-doorgeven")
        page.wait_for_selector("#m-text mark", timeout=120_000)
        page.wait_for_selector("#pictures img")
        page.wait_for_function("() => [...document.querySelectorAll('#pictures img')].every(i => i.complete)")
        page.screenshot(path=str(args.out / "studio-editor.png"), full_page=False)
        page.goto(base + "/studio/voorstellen")
        page.fill("#message", "Het woord 'indien' erbij, voor de foto")
        page.click("button:has-text('Voorstellen')")
        page.wait_for_selector(".proposal", timeout=120_000)
        page.screenshot(path=str(args.out / "studio-review.png"), full_page=False)
    print(f"written: {', '.join(str(args.out / n) for n in ('studio-overview.png', 'studio-editor.png', 'studio-review.png'))}")


if __name__ == "__main__":
    main()
