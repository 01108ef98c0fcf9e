"""What the live build reads: the working copy, or in review mode the approved snapshot.

`publishing: review` means screens only ever get an approved state: the live build, and every
scheduled rebuild (a law's moment, a new day, a notice's end), reads the snapshot of the last
publication in the log, never the working folder. The stricter setting wins: review mode holds
when the working copy or the live snapshot asks for it, so switching back to `direct` needs an
approved proposal like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..content.load import load_config
from ..errors import ContentError, Finding
from ..folder import CONFIG_FILE
from ..state.history import Record, read_log
from ..state.snapshots import materialise

NOTHING_APPROVED = ("er is nog niets goedgekeurd, dus de schermen krijgen nog niets nieuws. "
                    "Stel de inhoud voor met 'narrowcast publish --user NAAM'; een eindredacteur keurt het goed met "
                    "'narrowcast approve ID --user NAAM'")


@dataclass(frozen=True)
class LiveSource:
    review: bool
    four_eyes: bool  # nobody approves their own proposal
    folder: Path | None  # the content folder the live build reads; None: review mode, nothing approved yet
    publication: Record | None  # the last publication (review mode builds its snapshot)

    def folder_or_raise(self) -> Path:
        if self.folder is None:
            raise ContentError([Finding(CONFIG_FILE, 0, 0, "publishing", NOTHING_APPROVED, code="nothing-approved")])
        return self.folder


def last_publication(records: list[Record]) -> Record | None:
    return next((r for r in reversed(records) if r.kind == "publicatie"), None)


def live_source(root: Path) -> LiveSource:
    """Where the live content is read from now, and the rules of publishing (the stricter of the
    working copy's and the live snapshot's settings, so no draft can loosen them)."""
    root = root.resolve()
    publication = last_publication(read_log(root))
    tree = materialise(root, publication.snapshot) if publication and publication.snapshot else None
    live_config = load_config(tree) if tree else None
    configs = [c for c in (load_config(root), live_config) if c is not None]
    review = any(c.review for c in configs)
    four_eyes = review and any(c.four_eyes is not False for c in configs)
    if not review:
        return LiveSource(False, False, root, publication)
    if live_config is None or not live_config.review:
        # The last publication was made with `direct` (or is unreadable): nothing was approved in
        # review mode yet. Building it would quietly put back a months-old state; the screens keep
        # what they show until a proposal is approved.
        return LiveSource(True, four_eyes, None, None)
    return LiveSource(True, four_eyes, tree, publication)
