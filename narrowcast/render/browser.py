"""Finding a Chromium to render with, and the flags it runs with."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import NarrowcastError

ENV_VAR = "NARROWCAST_CHROMIUM"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium's headless shell: the browser without a window system, what Playwright itself runs for
# headless pages. Rendering slides needs nothing more, and it is smaller and quicker (measured on
# 200 slides: 46 instead of 54 ms per PNG, 950 instead of 1,470 MB summed RSS; see bench/README.md).
SHELL_NAMES = ("chromium-headless-shell",)
# Debian's /usr/bin/chromium-headless-shell is a shell script that runs this without exec: one
# process more, and one between Playwright and the browser.
SHELL_BINARIES = ("/usr/lib/chromium/chromium-headless-shell",)
# The shell in one process: no zygotes, GPU or renderer processes, each of which maps the 200 MB
# binary again (summed RSS of a 200-slide build 950 -> 580 MB, at the same speed). Used by
# serverless setups for the same reason; a crash takes the whole browser, and the build then
# starts a new one.
SHELL_FLAGS = ["--single-process", "--no-zygote"]
# Without these, Chromium keeps trying to reach Google's servers, which our machines refuse.
QUIET_FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-gpu", "--hide-scrollbars", "--font-render-hinting=none"]

HOW_TO_FIX = (
    "geen Chromium gevonden om dia's mee te maken. Oplossing: installeer Chromium "
    "(Debian/Ubuntu: 'sudo apt-get install -y chromium chromium-headless-shell fonts-noto-core'), of wijs er een aan met "
    f"de omgevingsvariabele {ENV_VAR}=/pad/naar/chromium of met 'chromium:' in narrowcast.yaml."
)


_PLAYWRIGHT_SHELL = ("chromium_headless_shell-*/chrome-linux*/headless_shell",
                     "chromium_headless_shell-*/chrome-mac*/headless_shell",
                     "chromium_headless_shell-*/chrome-win*/headless_shell.exe")
_PLAYWRIGHT_FULL = ("chromium-*/chrome-linux*/chrome", "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
                    "chromium-*/chrome-win*/chrome.exe")


def _playwright_own(shell: bool) -> str | None:
    """A browser installed by `playwright install`, looked up in its folder (no driver started)."""
    base = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    for pattern in (_PLAYWRIGHT_SHELL if shell else ()) + _PLAYWRIGHT_FULL:
        found = sorted(base.glob(pattern))
        if found:
            return str(found[-1])
    return None


def find_chromium(configured: str | None = None, shell: bool = True) -> str:
    """The browser to use: a configured path, $NARROWCAST_CHROMIUM, Playwright's own, then the system's.

    With `shell`, a headless shell comes before the full browser at each of the last two steps
    (rendering); without it, only full browsers are found (the tests that play a screen's part).
    """
    for source, candidate in (("narrowcast.yaml", configured), (ENV_VAR, os.environ.get(ENV_VAR))):
        if candidate:
            path = Path(candidate)
            if path.is_dir():
                raise NarrowcastError(f"Chromium uit {source} is een map, geen programma: {candidate}; "
                                      "wijs het programma zelf aan, zoals /usr/bin/chromium")
            if not path.is_file():
                raise NarrowcastError(f"Chromium uit {source} bestaat niet: {candidate}")
            if not os.access(path, os.X_OK):
                raise NarrowcastError(f"Chromium uit {source} is geen programma dat kan starten (niet uitvoerbaar): "
                                      f"{candidate}; wijs het programma zelf aan, zoals /usr/bin/chromium")
            return candidate
    own = _playwright_own(shell)
    if own:
        return own
    for binary in SHELL_BINARIES if shell else ():
        if os.access(binary, os.X_OK):
            return binary
    for name in (SHELL_NAMES if shell else ()) + SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise NarrowcastError(HOW_TO_FIX)


def configured_chromium(root: Path, setting: str | None) -> str | None:
    """`chromium:` of the validated narrowcast.yaml (`SiteConfig.chromium`), as an absolute path."""
    if not setting or not setting.strip():
        return None
    return str((root / Path(setting.strip()).expanduser()).resolve())


def is_shell(executable: str) -> bool:
    return "headless" in Path(executable).name


def launch_args(executable: str | None = None) -> list[str]:
    """The flags for `executable`: quiet always, one process for a headless shell, no sandbox as root."""
    args = list(QUIET_FLAGS)
    if executable and is_shell(executable):
        args += SHELL_FLAGS
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return args
