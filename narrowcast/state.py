"""The state folder (`.state/` in the content folder): what narrowcast keeps besides the content.

Urgent notices live here, not in the content files: they are made from the command line (or the
dashboard), end by themselves, and must never be committed along with the slides.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

STATE_DIR = ".state"
NOTICES = "urgent.json"
FORCED = "forced.jsonl"


@dataclass(frozen=True)
class Notice:
    """An urgent notice: takes over the targeted screens from `start` until `until`."""

    id: str
    text: str
    start: datetime
    until: datetime
    screens: tuple[str, ...] = ()  # empty: every screen
    icon: str = "informatie"

    def targets(self, screen_id: str) -> bool:
        return not self.screens or screen_id in self.screens


def state_dir(root: Path) -> Path:
    return Path(root) / STATE_DIR


def load_notices(root: Path) -> list[Notice]:
    path = state_dir(root) / NOTICES
    if not path.is_file():
        return []
    notices = []
    for raw in json.loads(path.read_text(encoding="utf-8")):
        raw["start"], raw["until"] = datetime.fromisoformat(raw["start"]), datetime.fromisoformat(raw["until"])
        raw["screens"] = tuple(raw.get("screens") or ())
        notices.append(Notice(**raw))
    return notices


def save_notices(root: Path, notices: list[Notice]) -> None:
    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    data = [{**asdict(n), "start": n.start.isoformat(), "until": n.until.isoformat(), "screens": list(n.screens)}
            for n in notices]
    tmp = folder / (NOTICES + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / NOTICES)


def active_notices(root: Path, now: datetime) -> list[Notice]:
    """Notices that have not ended at `now` (live now, or starting later)."""
    return [n for n in load_notices(root) if n.until > now]


def end_notice(root: Path, notice_id: str, at: datetime) -> Notice | None:
    """End a notice at `at`; returns it, or None when there is no such running notice."""
    notices = load_notices(root)
    for i, notice in enumerate(notices):
        if notice.id == notice_id and notice.until > at:
            notices[i] = replace(notice, until=max(at, notice.start))
            save_notices(root, notices)
            return notices[i]
    return None


def record_forced(root: Path, reason: str, findings) -> None:
    """Who published what despite errors, and why: one JSON line per forced publication."""
    import getpass

    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    line = {"time": datetime.now().astimezone().isoformat(), "user": getpass.getuser(), "reason": reason,
            "errors": [str(f) for f in findings]}
    with open(folder / FORCED, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
