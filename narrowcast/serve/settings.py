"""The settings a running server takes from narrowcast.yaml itself: screen keys and trusted origins.

Read once at start (before any build, so the first requests are guarded as the file says), then
taken from the config of every good build, so a damaged file never changes them halfway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..content.model import SiteConfig


@dataclass
class ServeSettings:
    keys_required: bool = False  # a folder whose narrowcast.yaml cannot be read yet: the old default
    trusted_origins: frozenset[str] = frozenset()

    def use(self, config: "SiteConfig") -> None:
        """Take the settings of a validated config (the one a good build published)."""
        from ..state.screenkeys import keys_required

        self.keys_required = keys_required(config)
        self.trusted_origins = frozenset(config.trusted_origins)

    @classmethod
    def read(cls, root: Path) -> "ServeSettings":
        """At start, before the first build: narrowcast.yaml read once; unreadable, the defaults.

        In review mode the approved narrowcast.yaml counts; with nothing approved yet, the working
        copy's screen keys but no trusted origins (a draft may not open the door to other sites)."""
        from ..content.load import load_config
        from ..publish.source import live_source

        settings = cls()
        source = live_source(root)
        config = load_config(source.folder or root)
        if config is not None:
            settings.use(config)
            if source.folder is None:
                settings.trusted_origins = frozenset()
        return settings
