"""The render cache: rendered slides kept between builds, apart from any published output.

`.narrowcast-cache/` beside the output holds one entry per rendered file, named by its content
key (slide data, theme files and fonts, screen size, renderer version): `<key>.png`, `<key>.html`
and `<key>.json` (what the page measured, and the HTML's name in the output). Every file is
written to a temporary name and renamed; the JSON comes last, so a build killed midway leaves no
half entry, only temporary files that the next prune removes. The cache is bounded: least
recently used entries go first once it holds more than `max_entries` or `max_bytes`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = ".narrowcast-cache"
MAX_ENTRIES = 2000
MAX_MB = 500
ENV_MAX_ENTRIES = "NARROWCAST_CACHE_MAX_ENTRIES"
ENV_MAX_MB = "NARROWCAST_CACHE_MAX_MB"
PARTS = (".png", ".html", ".json")
# Files of the build itself, kept beside the entries and never pruned: the moment of the last
# build that rendered (is a browser worth starting early?) and the remembered language findings.
LAST_BUILD = "last-build"
CHECKS_MEMO = "checks.memo"
STALE_TEMP_SECONDS = 3600  # a temporary file this old belongs to no running build


@dataclass
class Entry:
    key: str
    seconds: float  # last use
    size: int


class RenderCache:
    """Rendered slides by key; `enabled=False` (build --no-cache) finds nothing and keeps nothing."""

    def __init__(self, folder: Path, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_MB * 2**20,
                 enabled: bool = True):
        self.folder = folder
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.enabled = enabled

    @classmethod
    def beside(cls, target: Path, enabled: bool = True) -> "RenderCache":
        """The cache next to the output folder; limits from the environment when set."""
        entries = int(os.environ.get(ENV_MAX_ENTRIES) or MAX_ENTRIES)
        megabytes = float(os.environ.get(ENV_MAX_MB) or MAX_MB)
        return cls(target.parent / CACHE_DIR, entries, int(megabytes * 2**20), enabled)

    def path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key}{suffix}"

    @property
    def checks_memo(self) -> Path | None:
        """Where the language findings are remembered (see check.content.FindingsMemo); None if off."""
        return self.folder / CHECKS_MEMO if self.enabled else None

    def get(self, key: str, stamp: str) -> dict | None:
        """The entry's record if it is complete and made by this renderer; marks it as used."""
        if not self.enabled:
            return None
        record_path = self.path(key, ".json")
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if record.get("stamp") != stamp or not all(self.path(key, s).is_file() for s in (".png", ".html")):
            return None
        try:
            os.utime(record_path)  # last use, for the LRU order
        except OSError:
            return None  # pruned by another build just now
        return record

    def put(self, key: str, png: bytes, html: str, record: dict) -> None:
        """Store an entry; each file appears whole or not at all, the record last."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.path(key, ".png"), png)
        _write_atomic(self.path(key, ".html"), html.encode("utf-8"))
        _write_atomic(self.path(key, ".json"), json.dumps(record).encode("utf-8"))

    def entries(self) -> list[Entry]:
        """Complete entries, least recently used first."""
        return self._scan()[0]

    def prune(self, keep: set[str] = frozenset()) -> int:
        """Remove least recently used entries beyond the limits (never those in `keep`); how many went.

        Also removes what interrupted builds left: temporary files, and files without a record,
        once they are an hour old (a running build may still be writing them).
        """
        if not self.enabled or not self.folder.is_dir():
            return 0
        entries, leftovers = self._scan()
        for path in leftovers:
            path.unlink(missing_ok=True)
        count, total = len(entries), sum(e.size for e in entries)
        removed = 0
        for entry in entries:
            if count <= self.max_entries and total <= self.max_bytes:
                break
            if entry.key in keep:
                continue
            # The record first: without it the rest is no entry, even if a file is left behind.
            for suffix in (".json", ".png", ".html"):
                self.path(entry.key, suffix).unlink(missing_ok=True)
            count, total, removed = count - 1, total - entry.size, removed + 1
        return removed

    def _scan(self) -> tuple[list[Entry], list[Path]]:
        """(entries, least recently used first; stale leftovers of interrupted builds)."""
        sizes: dict[str, int] = {}
        used: dict[str, float] = {}
        changed: dict[str, float] = {}
        leftovers: list[Path] = []
        cutoff = time.time() - STALE_TEMP_SECONDS
        try:
            listing = list(os.scandir(self.folder))
        except OSError:
            return [], []
        for item in listing:
            try:
                info = item.stat()
            except OSError:
                continue
            if item.name in (LAST_BUILD, CHECKS_MEMO):
                continue
            stem, _, suffix = item.name.rpartition(".")
            if ".tmp-" in item.name or f".{suffix}" not in PARTS:
                if info.st_mtime < cutoff:
                    leftovers.append(Path(item.path))
                continue
            sizes[stem] = sizes.get(stem, 0) + info.st_size
            changed[stem] = max(changed.get(stem, 0.0), info.st_mtime)
            if suffix == "json":
                used[stem] = info.st_mtime
        for stem, seconds in changed.items():
            if stem not in used and seconds < cutoff:
                leftovers += [self.path(stem, s) for s in PARTS]
        entries = sorted((Entry(key, used[key], sizes[key]) for key in used), key=lambda e: (e.seconds, e.key))
        return entries, leftovers


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
