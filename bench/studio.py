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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import logged_in_studio  # noqa: E402

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--slide", default="wijzigingen-doorgeven")
    args = parser.parse_args()
    with logged_in_studio("nc-bench-studio-") as (base, page):
        page.goto(f"{base}/studio/slides/{args.slide}")
        page.wait_for_selector("#pictures img", timeout=300_000)
        time.sleep(5)  # the preview's first build of the whole folder shares the worker: let it finish
        original = page.input_value("#f-text")
        figures = []
        for number in range(1, args.edits + 2):
            before = page.eval_on_selector("#pictures img", "i => i.src")
            figures.append(page.evaluate(MEASURE, [before, f"{original} Ronde {number}."]))
        figures = figures[1:]  # the first edit warms the page's document for this slide's head
    figures.sort()
    p90 = figures[max(0, round(0.9 * len(figures)) - 1)]
    print(f"keystroke -> new preview pictures ({len(figures)} edits, {args.slide}): min {figures[0]:.0f} ms  "
          f"median {statistics.median(figures):.0f} ms  p90 {p90:.0f} ms  max {figures[-1]:.0f} ms")


if __name__ == "__main__":
    main()
