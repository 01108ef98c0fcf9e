"""Finding a Chromium to render with, and the flags it runs with."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import NarrowcastError

ENV_VAR = "NARROWCAST_CHROMIUM"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Without these, Chromium keeps trying to reach Google's servers, which our machines refuse.
QUIET_FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-gpu", "--hide-scrollbars", "--font-render-hinting=none"]

HOW_TO_FIX = (
    "geen Chromium gevonden om dia's mee te maken. Oplossing: installeer Chromium "
    "(Debian/Ubuntu: 'sudo apt-get install -y chromium fonts-noto-core'), of wijs er een aan met "
    f"de omgevingsvariabele {ENV_VAR}=/pad/naar/chromium of met 'chromium:' in narrowcast.yaml."
)


def _playwright_own() -> str | None:
    """A browser installed by `playwright install`, looked up in its folder (no driver started)."""
    base = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    patterns = ("chromium-*/chrome-linux*/chrome", "chromium_headless_shell-*/chrome-linux*/headless_shell",
                "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium", "chromium-*/chrome-win*/chrome.exe")
    for pattern in patterns:
        found = sorted(base.glob(pattern))
        if found:
            return str(found[-1])
    return None


def find_chromium(configured: str | None = None) -> str:
    """The browser to use: a configured path, $NARROWCAST_CHROMIUM, Playwright's own, then the system's."""
    for source, candidate in (("narrowcast.yaml", configured), (ENV_VAR, os.environ.get(ENV_VAR))):
        if candidate:
            if not Path(candidate).is_file():
                raise NarrowcastError(f"Chromium uit {source} bestaat niet: {candidate}")
            return candidate
    own = _playwright_own()
    if own:
        return own
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise NarrowcastError(HOW_TO_FIX)


def launch_args() -> list[str]:
    args = list(QUIET_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return args
