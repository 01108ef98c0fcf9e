"""Hyphenation dictionaries (pyphen), parsed once per machine instead of once per process.

Parsing the Dutch patterns takes 0.14 s at every start, a tenth of a one-slide rebuild; loading
them parsed takes 0.01 s. They are kept as a pickle in the user's cache folder (as black and jedi
keep theirs), named by pyphen's version and the dictionary file's size and time; a missing,
stale or unreadable one is parsed again and rewritten. Nothing here is content.
"""

from __future__ import annotations

import os
import pickle
from functools import lru_cache

import pyphen

from ..folder import user_cache


@lru_cache(maxsize=16)
def hyphenator(code: str, left: int = 2, right: int = 2) -> pyphen.Pyphen:
    """pyphen's hyphenator for a dictionary code such as nl_NL, its patterns from the cache."""
    path = pyphen.LANGUAGES[code]
    if path not in pyphen.hdcache:
        pyphen.hdcache[path] = _patterns(path)
    return pyphen.Pyphen(lang=code, left=left, right=right)


def _patterns(path) -> pyphen.HyphDict:
    info = path.stat()
    version = getattr(pyphen, "__version__", "0")
    stored = user_cache() / f"hyphenation-{path.stem}-{version}-{info.st_size}-{info.st_mtime_ns}.pickle"
    try:
        patterns = pickle.loads(stored.read_bytes())
        if isinstance(patterns, pyphen.HyphDict):
            return patterns
    except Exception:  # noqa: BLE001 - whatever is wrong with a cache file, the answer is to parse again
        pass
    patterns = pyphen.HyphDict(path)
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        temporary = stored.with_name(f"{stored.name}.{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(patterns, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, stored)
    except OSError:  # a read-only home: parse at every start, nothing worse
        pass
    return patterns
