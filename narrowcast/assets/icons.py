"""The shipped icon set (Lucide) and the Dutch words that name its icons."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..yamlsource import load_plain

ICON_DIR = Path(__file__).parent / "icons"


@lru_cache(maxsize=1)
def catalog() -> dict[str, str]:
    """Every accepted icon word -> the Lucide file name it shows."""
    names = {path.stem: path.stem for path in (ICON_DIR / "lucide").glob("*.svg")}
    aliases_file = ICON_DIR / "aliases.yaml"
    aliases = load_plain(aliases_file.read_text(encoding="utf-8")) if aliases_file.exists() else {}
    for word, target in (aliases or {}).items():
        if target in names:
            names.setdefault(str(word), target)
    return names


def resolve(word: str) -> str | None:
    """The Lucide name for a Dutch or Lucide icon word, or None when it doesn't exist."""
    return catalog().get(word.strip().lower())


def dutch_words() -> list[str]:
    """The Dutch words, for suggestions and docs (Lucide's own names are accepted too)."""
    aliases_file = ICON_DIR / "aliases.yaml"
    return sorted((load_plain(aliases_file.read_text(encoding="utf-8")) or {}).keys()) if aliases_file.exists() else []


@lru_cache(maxsize=256)
def svg(name: str) -> str:
    """The SVG markup of an icon, by any accepted word."""
    target = resolve(name)
    if target is None:
        raise KeyError(name)
    return (ICON_DIR / "lucide" / f"{target}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def choices() -> list[tuple[str, tuple[str, ...]]]:
    """Each icon with Dutch words, as (Lucide name, its Dutch words): for a picker searchable in Dutch."""
    words: dict[str, list[str]] = {}
    for word in dutch_words():
        target = resolve(word)
        if target is not None:
            words.setdefault(target, []).append(word)
    return sorted(((name, tuple(found)) for name, found in words.items()), key=lambda pair: pair[1][0])
