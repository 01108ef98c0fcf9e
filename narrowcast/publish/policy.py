"""The one publishing policy: errors stop a publication, unless it is forced with a reason, which is recorded."""

from __future__ import annotations

from pathlib import Path

from ..errors import ContentError, Finding
from ..state.files import record_forced

FORCE_HINT = "publiceren kan toch met --force --reason \"waarom\""


def refuse_or_record(root: Path, force: str | None, findings: list[Finding], judged: list[Finding],
                     user: str | None = None) -> None:
    """Errors among `judged` stop publishing (the error lists all `findings`), unless `force` gives
    the reason to publish anyway: then they are recorded, with `user`, in the state folder's forced log."""
    errors = [f for f in judged if f.is_error]
    if not errors:
        return
    if not force:
        raise ContentError(findings, hint=FORCE_HINT)
    record_forced(root, force, errors, user)
