"""Where things are: the content folder, and narrowcast's cache folder per user.

Light on purpose: the command line needs it before anything heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ContentError, Finding

CONFIG_FILE = "narrowcast.yaml"


def find_root(start: Path) -> Path:
    """The content folder: start itself or the nearest parent holding narrowcast.yaml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ContentError([Finding(str(start), 0, 0, "", f"geen {CONFIG_FILE} gevonden in deze map of erboven; "
                                "maak een nieuwe inhoudsmap met 'narrowcast init MAP'", code="no-config")])


def user_cache() -> Path:
    """Machine-level caches that are not content (Node's compile cache, parsed hyphenation
    patterns): `$XDG_CACHE_HOME/narrowcast`, default ~/.cache/narrowcast. May not be writable."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "narrowcast"
