"""The example content shipped with narrowcast, for `narrowcast init`."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import NarrowcastError
from ..folder import CONFIG_FILE, CONTENT_DIRS

PARTS = (CONFIG_FILE, *CONTENT_DIRS)


def example_root() -> Path:
    """Inside an installed wheel: narrowcast/example; in a source checkout: the repository root."""
    packaged = Path(__file__).parent.parent / "example"
    if (packaged / "narrowcast.yaml").is_file():
        return packaged
    checkout = Path(__file__).resolve().parent.parent.parent
    if (checkout / "narrowcast.yaml").is_file():
        return checkout
    raise NarrowcastError("de voorbeeldinhoud ontbreekt in deze installatie")  # pragma: no cover


def copy_example(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise NarrowcastError(f"map {folder} bestaat al en is niet leeg; kies een nieuwe map")
    source = example_root()
    folder.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, folder / part)
        elif path.is_file():
            shutil.copy2(path, folder / part)
    _review_first(folder / CONFIG_FILE)
    (folder / ".gitignore").write_text("output/\n.output.builds/\n.narrowcast-cache/\n.state/\n", encoding="utf-8")


REVIEW_LINE = ("publishing: review                      # schermen tonen alleen wat een eindredacteur heeft goedgekeurd "
               "(narrowcast publish, approve)\n")


def _review_first(config: Path) -> None:
    """A new folder publishes with four eyes: its `publishing:` line says review."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("publishing:")]
    config.write_text("".join(kept).rstrip("\n") + "\n" + REVIEW_LINE, encoding="utf-8")
