"""Theme lookup: the content folder's themes first, then the themes shipped in the package."""

from __future__ import annotations

from pathlib import Path

BUILTIN_THEMES = Path(__file__).parent / "themes"


def available_themes(root: Path) -> dict[str, Path]:
    """Theme name -> folder; a content-folder theme hides a built-in one of the same name."""
    found: dict[str, Path] = {}
    for base in (Path(root) / "themes", BUILTIN_THEMES):
        if base.is_dir():
            for folder in sorted(base.iterdir()):
                if (folder / "theme.yaml").is_file():
                    found.setdefault(folder.name, folder)
    return found
