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
        """At start, before the first build: narrowcast.yaml read once; unreadable, the defaults."""
        from ..content.load import load_config

        settings = cls()
        config = load_config(root)
        if config is not None:
            settings.use(config)
        return settings
