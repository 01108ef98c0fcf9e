"""The render cache: rendered slides kept between builds, apart from any published output.

`.narrowcast-cache/` beside the output holds one entry per rendered file, named by its content
key (slide data, theme files and fonts, screen size, renderer version): `<key>.png`, `<key>.html`
and `<key>.json` (what the page measured, and the size and SHA-256 of the other two). Every file
is written to a temporary name and renamed; the JSON comes last, so a build killed midway leaves
no half entry, only temporary files that the next prune removes. An entry is used only when its
files still have the recorded size and hash: a damaged file (a full disk, a crash, a hand) is a
miss and the slide is rendered again. The cache is bounded: least recently used entries go first
once it holds more than `max_entries` or `max_bytes`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import NarrowcastError, os_problem

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
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
        entries = _env_limit(ENV_MAX_ENTRIES, MAX_ENTRIES)
        megabytes = _env_limit(ENV_MAX_MB, MAX_MB)
        return cls(target.parent / CACHE_DIR, int(entries), int(megabytes * 2**20), enabled)

    def path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key}{suffix}"

    @property
    def checks_memo(self) -> Path | None:
        """Where the language findings are remembered (see check.content.FindingsMemo); None if off."""
        return self.folder / CHECKS_MEMO if self.enabled else None

    def get(self, key: str, stamp: str) -> dict | None:
        """The entry's record if it is whole, unchanged and made by this renderer; marks it as used.

        Anything else (no record, a record of another shape, a file missing, shorter or altered)
        is a miss, never an exception: the slide is then rendered again and the entry replaced.
        """
        if not self.enabled:
            return None
        record_path = self.path(key, ".json")
        try:
            record = json.loads(record_path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("stamp") != stamp:
            return None
        if not self._unchanged(key, record.get("files")):
            return None
        try:
            os.utime(record_path)  # last use, for the LRU order
        except OSError:
            return None  # pruned by another build just now
        return record

    def put(self, key: str, png: bytes, html: str, record: dict) -> None:
        """Store an entry; each file appears whole or not at all, the record (with their hashes) last."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            files = {}
            for part, data in (("png", png), ("html", html.encode("utf-8"))):
                _write_atomic(self.path(key, f".{part}"), data)
                files[part] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            _write_atomic(self.path(key, ".json"), json.dumps({**record, "files": files}).encode("utf-8"))
        except OSError as exc:
            raise NarrowcastError(f"de tussenopslag {self.folder} kan niet geschreven worden: {os_problem(exc)}. "
                                  f"Maak ruimte of verwijder {CACHE_DIR} (die wordt opnieuw gemaakt), "
                                  "of bouw met --no-cache") from exc

    def _unchanged(self, key: str, files) -> bool:
        """Both files of the entry have the size and hash its record names."""
        if not isinstance(files, dict):
            return False
        for part in ("png", "html"):
            expected = files.get(part)
            if not isinstance(expected, dict) or not _has_content(self.path(key, f".{part}"), expected):
                return False
        return True

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


# What this process has hashed already, by file identity: a server's worker then reads each cached
# file once, not at every rebuild (hashing all 184 slides of the example costs ~60-90 ms, about the
# time a rebuild after one saved slide takes). A file written anew or changed has another identity.
_HASHED: dict[str, tuple[tuple[int, int, int], str]] = {}
_HASHED_LIMIT = 4 * MAX_ENTRIES


def _has_content(path: Path, expected: dict) -> bool:
    size, digest = expected.get("size"), expected.get("sha256")
    if type(size) is not int or not isinstance(digest, str):
        return False
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if info.st_size != size:
                return False
            identity = (info.st_ino, info.st_size, info.st_mtime_ns)
            known = _HASHED.get(str(path))
            if known and known[0] == identity:
                return known[1] == digest
            actual = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return False
    if len(_HASHED) >= _HASHED_LIMIT:
        _HASHED.clear()
    _HASHED[str(path)] = (identity, actual)
    return actual == digest


def png_problem(data: bytes, width: int, height: int) -> str | None:
    """What keeps these bytes from being a whole PNG of width×height, in Dutch; None if nothing.

    Walks the chunks as a decoder would and checks each one's CRC, the size in IHDR, image data
    and IEND at the very end: what Pillow's verify() checks, for ~0.1 ms a slide and no import.
    """
    if not data.startswith(PNG_SIGNATURE):
        return "het is geen PNG-bestand"
    view, position, kinds = memoryview(data), len(PNG_SIGNATURE), []
    while position + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if end > len(data):
            break
        if zlib.crc32(view[position + 4:end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            return f"het blok {kind.decode('latin-1')} is beschadigd"
        if not kinds:
            if kind != b"IHDR" or length < 8:
                return "het begin van het bestand klopt niet"
            size = struct.unpack_from(">II", data, position + 8)
            if size != (width, height):
                return f"het is {size[0]}x{size[1]} pixels in plaats van {width}x{height}"
        kinds.append(kind)
        if kind == b"IEND":
            if b"IDAT" not in kinds:
                return "er staat geen beeld in"
            return None if end == len(data) else "er staat nog iets na het einde"
        position = end
    return "het bestand is afgebroken"


def _env_limit(name: str, default: float) -> float:
    """A positive number from the environment, or a Dutch error naming the variable."""
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value < 10**9:
        raise NarrowcastError(f"{name}={text!r} is geen geldig getal; gebruik een getal groter dan 0 "
                              f"(standaard {default}), of laat de variabele weg")
    return value


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
