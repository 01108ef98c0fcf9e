"""Snapshots of the content: what a proposal froze and what a publication made live.

A snapshot is every content file (narrowcast.yaml and the folders in `folder.CONTENT_DIRS`) by
its bytes, stored content-addressed in `.state/publishing/`:

    objects/ab/cdef…      one file's bytes, named by their SHA-256 (written once, never changed)
    snapshots/<id>.json   {relative path: object hash}; the id is the SHA-256 of that listing
    trees/<id>/           the snapshot as a folder again (copies of the objects), for a build

The id of the working copy is computed the same way without storing anything: an edit after a
proposal changes it, which is how a proposal knows it is stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import DamagedFile, NarrowcastError, os_problem
from ..folder import CONFIG_FILE, CONTENT_DIRS, STATE_DIR, is_content
from .files import state_dir

log = logging.getLogger("narrowcast")
STORE = "publishing"  # in the state folder
_COMPLETE = ".complete"  # in a tree folder: every file is in place


@dataclass(frozen=True)
class Snapshot:
    id: str
    files: dict[str, str]  # relative path (posix) -> object hash


def store_dir(root: Path) -> Path:
    return state_dir(root) / STORE


def content_files(root: Path) -> dict[str, Path]:
    """The content folder's files that are a build's input, by relative path, in a fixed order.

    A symbolic link counts only when it points at a file inside the content folder and outside
    its state and output (a link to .state would copy the users' database into the store); linked
    folders are not followed (a link loop would be walked forever)."""
    found: dict[str, Path] = {}
    inside = root.resolve()
    private = [inside / STATE_DIR, inside / "output"]
    config = root / CONFIG_FILE
    if config.is_file():
        found[CONFIG_FILE] = config
    for name in CONTENT_DIRS:
        folder = root / name
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                relative = path.relative_to(root)
                if is_content(relative) and path.is_file() and not filename.startswith(".") \
                        and (not path.is_symlink() or _links_inside(path, inside, private)):
                    found[relative.as_posix()] = path
    return dict(sorted(found.items()))


def _links_inside(path: Path, inside: Path, private: list[Path]) -> bool:
    target = path.resolve()
    return target.is_relative_to(inside) and not any(target.is_relative_to(p) for p in private)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def listing_id(files: dict[str, str]) -> str:
    """The id of a snapshot: a hash of its listing (path and object hash of every file)."""
    return _digest(json.dumps(files, sort_keys=True, separators=(",", ":")).encode())[:16]


def working_id(root: Path) -> str:
    """The id the working copy would have as a snapshot now (nothing is stored)."""
    return listing_id({name: _digest(_read(path)) for name, path in content_files(root).items()})


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NarrowcastError(f"{path} kan niet gelezen worden ({os_problem(exc)})") from None


def save_snapshot(root: Path) -> Snapshot:
    """Store the working copy as it is now; the same content gives the same id (and stores nothing new)."""
    store = store_dir(root)
    files: dict[str, str] = {}
    try:
        for name, path in content_files(root).items():
            data = _read(path)  # read once: the hash and the stored bytes are the same bytes
            files[name] = put_object(store, data)
        snapshot = Snapshot(listing_id(files), files)
        _write_new(store / "snapshots" / f"{snapshot.id}.json",
                   json.dumps(files, sort_keys=True, indent=0, ensure_ascii=False).encode())
    except OSError as exc:
        raise NarrowcastError(f"{STATE_DIR}/{STORE} kan niet bijgewerkt worden ({os_problem(exc)}); er is niets "
                              "voorgesteld of gepubliceerd. Zorg dat narrowcast in de map .state mag schrijven") from None
    return snapshot


def put_object(store: Path, data: bytes) -> str:
    """Store bytes under their hash (once); returns the hash."""
    digest = _digest(data)
    _write_new(store / "objects" / digest[:2] / digest[2:], data)
    return digest


def get_object(root: Path, digest: str) -> bytes:
    path = store_dir(root) / "objects" / digest[:2] / digest[2:]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NarrowcastError(f"{STATE_DIR}/{STORE}: het opgeslagen bestand {digest[:12]} ontbreekt of kan niet "
                              f"gelezen worden ({os_problem(exc)})") from None
    if _digest(data) != digest:
        raise DamagedFile(f"{STATE_DIR}/{STORE}/objects/{digest[:2]}/{digest[2:]}", "de inhoud past niet meer bij "
                          "de naam", "Dit bestand is met de hand gewijzigd; zet een reservekopie van .state terug")
    return data


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that is named by its content: when it exists it already holds these bytes."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o444)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_snapshot(root: Path, snapshot_id: str) -> Snapshot:
    shown = f"{STATE_DIR}/{STORE}/snapshots/{snapshot_id}.json"
    path = store_dir(root) / "snapshots" / f"{snapshot_id}.json"
    try:
        files = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise NarrowcastError(f"momentopname {snapshot_id} bestaat niet (meer) in {STATE_DIR}/{STORE}") from None
    except (OSError, ValueError) as exc:
        raise DamagedFile(shown, str(exc), "Zet een reservekopie van .state terug") from None
    if not isinstance(files, dict) or listing_id(files) != snapshot_id:
        raise DamagedFile(shown, "de lijst past niet meer bij haar naam", "Zet een reservekopie van .state terug")
    return Snapshot(snapshot_id, files)


def materialise(root: Path, snapshot_id: str) -> Path:
    """The snapshot as a content folder (`trees/<id>/`), for a build to read like any folder.

    A tree is checked against its snapshot at every use (paths, sizes, SHA-256 of every file) and
    unpacked again from the checked objects when anything differs: what a build reads is exactly
    what was proposed, also when someone edited the unpacked copy."""
    tree = tree_dir(root, snapshot_id)
    snapshot = load_snapshot(root, snapshot_id)
    if (tree / _COMPLETE).is_file():
        if _tree_matches(tree, snapshot):
            return tree
        log.warning("%s/%s/trees/%s wijkt af van de momentopname (met de hand gewijzigd?); opnieuw uitgepakt",
                    STATE_DIR, STORE, snapshot_id)
        (tree / _COMPLETE).unlink(missing_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{snapshot_id}-", dir=_mkdir(tree.parent)))
    try:
        for name, digest in snapshot.files.items():
            if name.startswith("/") or ".." in Path(name).parts:
                raise DamagedFile(f"{STATE_DIR}/{STORE}/snapshots/{snapshot_id}.json", f"het pad {name!r} wijst buiten "
                                  "de map", "Zet een reservekopie van .state terug")
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(get_object(root, digest))  # checked bytes; a copy: a tree may be removed freely
        (staging / _COMPLETE).write_text(snapshot_id, encoding="ascii")
        if tree.exists() and not (tree / _COMPLETE).is_file():
            shutil.rmtree(tree)  # an earlier try, left half-made
        os.replace(staging, tree)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if (tree / _COMPLETE).is_file():  # another process unpacked it at the same moment
            return tree
        raise NarrowcastError(f"momentopname {snapshot_id} kan niet uitgepakt worden ({os_problem(exc)})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return tree


def tree_dir(root: Path, snapshot_id: str) -> Path:
    """Where a snapshot is unpacked (`materialise` makes and checks it)."""
    return store_dir(root) / "trees" / snapshot_id


def _tree_matches(tree: Path, snapshot: Snapshot) -> bool:
    """Every file of the snapshot, no other, each with its bytes (a copy's size and hash)."""
    found = {path.relative_to(tree).as_posix(): path for path in tree.rglob("*")
             if path.is_file() or path.is_symlink()}
    found.pop(_COMPLETE, None)
    if found.keys() != snapshot.files.keys():
        return False
    for name, digest in snapshot.files.items():
        path = found[name]
        if path.is_symlink():
            return False
        try:
            if _digest(path.read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def snapshot_of(root: Path, folder: Path) -> str | None:
    """The snapshot a folder is the unpacked tree of; None for any other folder (the working copy)."""
    trees = (store_dir(root) / "trees").resolve()
    folder = folder.resolve()
    return folder.name if folder.parent == trees else None


def prune_trees(root: Path, keep: set[str]) -> None:
    """Remove the unpacked trees no longer needed (the objects and listings stay: history needs them)."""
    trees = store_dir(root) / "trees"
    if not trees.is_dir():
        return
    for tree in trees.iterdir():
        if tree.name not in keep:
            shutil.rmtree(tree, ignore_errors=True)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
