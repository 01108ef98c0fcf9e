"""Read a content folder into a validated Site; collect every problem before stopping."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Mapping

from pydantic import BaseModel

from ..errors import ContentError, Finding, has_errors
from .fields import DEFAULT_TZ, local_time_note, parse_timezone
from ..folder import CONFIG_FILE
from .lawfacts import law_fact_findings, resolve_ties
from .model import Law, Playlist, Site, SiteConfig, Slide, law_slides
from .references import check_references
from .validate import validate
from ..yamlsource import Document, read_documents

# The content folders that hold YAML, each with the model of its items (the others: folder.CONTENT_DIRS).
YAML_KINDS = {"slides": Slide, "playlists": Playlist, "laws": Law}


def load_site(root: Path, drafts: Mapping[str, bytes] | None = None) -> tuple[Site | None, list[Finding]]:
    """The validated site and all findings; the site is None when there are errors.

    `drafts`: YAML files as they would be, by path relative to the root (the studio's unsaved
    edits, a new slide not yet on disk), read instead of the files on disk."""
    root = root.resolve()
    drafts = {root / name: data for name, data in (drafts or {}).items()}
    findings: list[Finding] = []
    config = _load_config(root, findings)
    context = {"timezone": config.timezone if config else DEFAULT_TZ}
    loaded: dict[str, list] = {}
    unreadable_ids: set[str] = set()  # ids of items with errors: known, so references to them don't cascade
    for folder, model in YAML_KINDS.items():
        loaded[folder] = []
        for path in _yaml_files(root / folder, drafts):
            documents, problems = read_documents(path, root, drafts.get(path))
            findings += problems
            if problems and not documents:
                unreadable_ids |= _ids_in_text(drafts.get(path) or path.read_bytes())
            for doc in documents:
                for item_path in _items(doc, folder, findings):
                    obj, problems = validate(model, doc, item_path, context)
                    findings += problems
                    if obj is not None:
                        loaded[folder].append(obj)
                        findings += clock_time_warnings(obj, doc, item_path)
                    else:
                        unreadable_ids.add(str(_value_at(doc, item_path + ("id",))))
    if config is None:
        return None, sorted(findings)
    # Moments written as 'wet <id>' become that law's date; then a law becomes its phase slides,
    # once: every later stage sees plain moments and one kind of slide.
    tied = resolve_ties(loaded["slides"], loaded["playlists"], loaded["laws"], unreadable_ids)
    slides, playlists = tied.slides + [slide for law in loaded["laws"] for slide in law_slides(law)], tied.playlists
    findings += tied.findings + check_references(root, config, slides, playlists, loaded["laws"], unreadable_ids)
    findings += law_fact_findings(slides, loaded["laws"], tied.untied)
    if has_errors(findings):
        return None, sorted(findings)
    site = Site(
        root=str(root),
        config=config,
        slides={s.id: s for s in slides},
        playlists={p.id: p for p in playlists},
        laws={law.id: law for law in loaded["laws"]},
    )
    return site, sorted(findings)


def load_site_or_raise(root: Path) -> tuple[Site, list[Finding]]:
    site, findings = load_site(root)
    if site is None:
        raise ContentError(findings)
    return site, findings


def load_config(root: Path) -> SiteConfig | None:
    """narrowcast.yaml alone, validated (for settings a running server reads); None when it has errors."""
    findings: list[Finding] = []
    config = _load_config(root.resolve(), findings)
    return None if has_errors(findings) else config


def site_timezone(root: Path) -> str:
    """The folder's timezone from the validated narrowcast.yaml (for command-line moments);
    Europe/Amsterdam while that file has errors (the command then reports them)."""
    config = load_config(root)
    return config.timezone if config is not None else DEFAULT_TZ


def _load_config(root: Path, findings: list[Finding]) -> SiteConfig | None:
    path = root / CONFIG_FILE
    if not path.is_file():
        findings.append(Finding(CONFIG_FILE, 0, 0, "", f"{CONFIG_FILE} ontbreekt in {root}", code="no-config"))
        return None
    documents, problems = read_documents(path, root)
    findings += problems
    if not documents:
        if not problems:
            findings.append(Finding(CONFIG_FILE, 1, 1, "", "dit bestand is leeg; zet er minstens site en screens in", code="empty"))
        return None
    doc = documents[0]
    if not isinstance(doc.data, dict):
        findings.append(doc.finding((), "hier horen velden (naam: waarde), zoals site: en screens:", code="dict-type"))
        return None
    timezone = DEFAULT_TZ
    try:
        timezone = parse_timezone(doc.data.get("timezone") or DEFAULT_TZ)
    except Exception:
        pass  # validation below reports it with its line
    config, problems = validate(SiteConfig, doc, (), {"timezone": timezone})
    findings += problems
    return config


def clock_time_warnings(value, doc: Document, path: tuple) -> list[Finding]:
    """A warning at every moment written as a clock time that daylight saving skips or repeats,
    saying what it becomes: the moment is taken, but perhaps not the one that was meant."""
    if isinstance(value, BaseModel):
        return [f for name in type(value).model_fields
                for f in clock_time_warnings(getattr(value, name), doc, path + (name,))]
    if isinstance(value, (list, tuple)):
        return [f for i, item in enumerate(value) for f in clock_time_warnings(item, doc, path + (i,))]
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in clock_time_warnings(item, doc, path + (key,))]
    note = local_time_note(value) if isinstance(value, datetime) else None
    return [doc.finding(path, note, severity="warning", code="clock-time")] if note else []


_ID_LINE = re.compile(r"^\s*(?:-\s*)?id:\s*['\"]?([a-z0-9-]+)", re.M)


def _ids_in_text(raw: bytes) -> set[str]:
    """Ids in a file YAML cannot read, so references to them are not reported as missing too."""
    return set(_ID_LINE.findall(raw.decode("utf-8", "replace")))


def _value_at(doc: Document, path: tuple):
    data = doc.data
    for part in path:
        data = data.get(part) if isinstance(data, dict) else data[part] if isinstance(data, list) else None
    return data


def _yaml_files(folder: Path, drafts: Mapping[Path, bytes]) -> list[Path]:
    on_disk = [p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()] if folder.is_dir() else []
    return sorted({*on_disk, *(p for p in drafts if p.parent == folder)})


def _items(doc: Document, folder: str, findings: list[Finding]) -> list[tuple]:
    """Paths of the items in one document: the document itself, or each entry of a list."""
    if isinstance(doc.data, dict):
        return [()]
    if isinstance(doc.data, list) and all(isinstance(item, dict) for item in doc.data):
        return [(i,) for i in range(len(doc.data))]
    kind = {"slides": "een dia", "playlists": "een afspeellijst", "laws": "een wetswijziging"}[folder]
    findings.append(doc.finding((), f"hier hoort {kind}: velden als id: en title:, of een lijst daarvan", code="dict-type"))
    return []
