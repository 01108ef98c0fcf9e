"""Publishing a finished build atomically, and keeping media that recent manifests still name.

The published folder (`output/`) is a symlink to a complete build folder beside it
(`.output.builds/<id>/`). A new build is written in full next to the old one, then the link is
replaced with one rename, so a reader (a screen, a web server) sees the old build or the new one,
never half of either.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import NarrowcastError, os_problem
from ..render.cache import link_or_copy

LOG = "published.json"
KEEP_BUILDS = 2  # the live build and the one before it, for readers still holding old paths


def builds_dir(target: Path) -> Path:
    return target.parent / f".{target.name}.builds"


def new_build_dir(target: Path, build_id: str) -> Path:
    folder = builds_dir(target) / build_id
    try:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    return folder


def cannot_write(target: Path, exc: OSError) -> NarrowcastError:
    return NarrowcastError(f"de uitvoermap {target} kan niet geschreven worden: {os_problem(exc)} ({exc.filename}); "
                           "er is niets gepubliceerd. Kies met --out een map waarin u mag schrijven, of vraag de "
                           "beheerder om schrijfrechten")


def live_dir(target: Path) -> Path | None:
    """The build folder readers see now, if any."""
    if target.is_symlink():
        resolved = target.resolve()
        return resolved if resolved.is_dir() else None
    return target if target.is_dir() else None


def carry_media(target: Path, staging: Path, referenced: set[str], now: datetime, horizon: timedelta) -> set[str]:
    """Media named by manifests published within the horizon, linked into the new build.

    Returns every media name the new build holds, for the publication log.
    """
    log = _read_log(target)
    live = live_dir(target)
    if log is None:  # a damaged log: keep every image of the live build, so no screen misses one
        keep = {p.name for p in (live / "media").iterdir()} if live and (live / "media").is_dir() else set()
    else:
        keep = {name for entry in log if datetime.fromisoformat(entry["time"]) >= now - horizon for name in entry["media"]}
    keep -= referenced
    for name in sorted(keep):
        source = live / "media" / name if live else None
        if source and source.is_file() and not (staging / "media" / name).exists():
            link_or_copy(source, staging / "media" / name)
    return referenced | {n for n in keep if (staging / "media" / n).exists()}


def publish(staging: Path, target: Path, media: set[str], now: datetime, horizon: timedelta) -> None:
    """Make staging the published folder in one atomic step; record what it names."""
    if target.exists() and not target.is_symlink():
        if any(target.iterdir()):
            # An older plain folder (made by hand or another tool): move it aside once, never delete it.
            aside = target.with_name(f"{target.name}.old-{now:%Y%m%d%H%M%S}")
            target.rename(aside)
        else:
            target.rmdir()
    link = target.with_name(f".{target.name}.link-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(staging, target.parent), link)
    os.replace(link, target)  # the atomic step
    _write_log(target, now, horizon, media)
    _remove_old_builds(target, staging)


def _read_log(target: Path) -> list[dict] | None:
    """The publications within the horizon: [] before the first one, None when the log is damaged."""
    path = builds_dir(target) / LOG
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError, RecursionError):  # RecursionError: [[[[… nested too deep for the json module
        return None
    return log if isinstance(log, list) and all(map(_log_entry_ok, log)) else None


def _log_entry_ok(entry) -> bool:
    """A log entry as _write_log makes it; media names are plain file names (never a path elsewhere)."""
    if not (isinstance(entry, dict) and isinstance(entry.get("time"), str) and isinstance(entry.get("media"), list)):
        return False
    try:
        moment = datetime.fromisoformat(entry["time"])
    except ValueError:
        return False
    return moment.tzinfo is not None and all(isinstance(n, str) and n and "/" not in n and not n.startswith(".")
                                             for n in entry["media"])


def _write_log(target: Path, now: datetime, horizon: timedelta, media: set[str]) -> None:
    log = [e for e in _read_log(target) or [] if datetime.fromisoformat(e["time"]) >= now - horizon]
    log.append({"time": now.isoformat(), "media": sorted(media)})
    path = builds_dir(target) / LOG
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(log), encoding="utf-8")
    os.replace(tmp, path)


def _remove_old_builds(target: Path, current: Path) -> None:
    folders = sorted((p for p in builds_dir(target).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for folder in folders[:-KEEP_BUILDS]:
        if folder != current:
            shutil.rmtree(folder, ignore_errors=True)


def check_target(target: Path, root: Path) -> None:
    """Refuse, before anything is rendered, a target that can never be published to."""
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):  # a symlink that points at itself, in the end
        raise NarrowcastError(f"de uitvoermap {target} is een snelkoppeling (symlink) die naar zichzelf verwijst; "
                              "er is niets gepubliceerd. Verwijder de snelkoppeling") from None
    if resolved == root.resolve():
        raise NarrowcastError("de uitvoermap mag niet de inhoudsmap zelf zijn")
    if target.exists() and not target.is_dir():
        raise NarrowcastError(f"de uitvoermap {target} is een bestand, geen map; er is niets gepubliceerd. "
                              "Hernoem of verwijder het bestand, of kies met --out een andere map")
    try:  # the one honest test of writing: write (also as root, where permission bits are no test)
        builds_dir(target).mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=builds_dir(target)))
    except OSError as exc:
        raise cannot_write(target, exc) from None
