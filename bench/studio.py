"""The studio's live preview: from the last keystroke to the new picture, over many edits.

    python bench/studio.py [--edits 50] [--slide wijzigingen-doorgeven]

Serves a copy of the example content (`narrowcast serve`, its warm build worker), logs in as a
redacteur in headless Chromium, opens the slide editor and makes `--edits` edits to the slide's
text (each a new text, so nothing comes from the render cache). Per edit it measures, in the
page, from the `input` event of the last keystroke to the moment every preview picture of the new
draft has loaded (one per look of the slide's screens: the example's hall slide has four sizes).
That includes the editor's wait for typing to stop (350 ms). Prints min / median / p90 / max.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import PASSWORD, free_port, prepare  # noqa: E402

# In the page: resolve with the milliseconds from the input event until the pictures of a newer
# draft than `before` have all loaded.
MEASURE = """([before, text]) => new Promise(resolve => {
  const field = document.getElementById('f-text');
  const pictures = document.getElementById('pictures');
  const start = performance.now();
  const done = () => {
    const images = [...pictures.querySelectorAll('img')];
    if (images.length && images[0].src !== before && images.every(i => i.complete && i.naturalWidth)) {
      observer.disconnect(); clearInterval(poll); resolve(performance.now() - start);
    }
  };
  const observer = new MutationObserver(done);
  observer.observe(pictures, {childList: true, subtree: true, attributes: true});
  const poll = setInterval(done, 5);
  field.value = text;
  field.dispatchEvent(new Event('input', {bubbles: true}));
})"""


def main() -> None:
    import shutil
    import subprocess
    import tempfile
    import time

    import httpx
    from playwright.sync_api import sync_playwright

    from narrowcast.render.browser import find_chromium, launch_args

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--slide", default="wijzigingen-doorgeven")
    args = parser.parse_args()
    work, port = Path(tempfile.mkdtemp(prefix="nc-bench-studio-")), free_port()
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
            page.goto(f"{base}/studio/slides/{args.slide}")
            page.wait_for_selector("#pictures img", timeout=300_000)
            time.sleep(5)  # the preview's first build of the whole folder shares the worker: let it finish
            original = page.input_value("#f-text")
            figures = []
            for number in range(1, args.edits + 2):
                before = page.eval_on_selector("#pictures img", "i => i.src")
                text = f"{original} Ronde {number}."
                figures.append(page.evaluate(MEASURE, [before, text]))
            figures = figures[1:]  # the first edit warms the page's document for this slide's head
            browser.close()
    finally:
        if server is not None:
            server.kill()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    figures.sort()
    p90 = figures[max(0, round(0.9 * len(figures)) - 1)]
    print(f"keystroke -> new preview pictures ({len(figures)} edits, {args.slide}): min {figures[0]:.0f} ms  "
          f"median {statistics.median(figures):.0f} ms  p90 {p90:.0f} ms  max {figures[-1]:.0f} ms")


if __name__ == "__main__":
    main()
