"""Where things are: the content folder, and narrowcast's cache folder per user.

Light on purpose: the command line needs it before anything heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ContentError, Finding

CONFIG_FILE = "narrowcast.yaml"
# What a content folder is made of besides narrowcast.yaml: a build's input, what `serve` watches,
# what `init` copies. One list, so a new kind of content is added in one place.
CONTENT_DIRS = ("slides", "playlists", "laws", "themes", "images", "templates")
STATE_DIR = ".state"  # what narrowcast keeps besides the content (state/files.py, state/records.py)
NOTICES = "urgent.json"  # in STATE_DIR: a build's input (notices made from the command line)
# In STATE_DIR: the publishing log (state/history.py). A publication in it is what the live build
# reads in review mode, so a running server rebuilds when an approval or rollback lands there.
PUBLISHING_LOG = ("publishing", "log.jsonl")


def process_folder(parent: Path) -> Path:
    """A folder of this process's own under `parent` (previews, studio drafts): named by machine and
    process id, so servers on several machines sharing one content folder (NFS) never mix theirs."""
    return parent / f"{_host()}-{os.getpid()}"


def remove_gone(parent: Path, own: bool = False) -> None:
    """Remove the process folders under `parent` of this machine's processes that are gone (with
    `own`, this process's too); another machine's are left alone: their processes cannot be seen."""
    import shutil

    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        host, _, pid = entry.name.rpartition("-")
        if host == "" and pid.isdigit():
            host = _host()  # named by the process id alone, before several machines (issue 17)
        if host != _host():
            continue
        mine = pid == str(os.getpid())
        if not pid.isdigit() or (own and mine) or (not mine and not _alive(int(pid))):
            shutil.rmtree(entry, ignore_errors=True)


def _host() -> str:
    import re
    import socket

    return re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_content(relative: Path) -> bool:
    """Whether a path inside the content folder is a build's input (editor temp files are not)."""
    parts, name = relative.parts, relative.name
    if not parts or name.startswith((".#", "~")) or name.endswith(("~", ".swp", ".tmp")):
        return False
    if parts[0] == STATE_DIR:
        return parts[1:] in ((NOTICES,), PUBLISHING_LOG)  # never the database, the snapshots or the preview
    return parts[0] in CONTENT_DIRS or relative.as_posix() == CONFIG_FILE


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
