"""The settings a running server reads from narrowcast.yaml itself: screen keys and trusted origins.

Read at start and again after every good build (which means narrowcast.yaml was valid), so a
damaged file never changes them halfway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ServeSettings:
    root: Path
    keys_required: bool = False  # a folder whose narrowcast.yaml cannot be read yet: the old default
    trusted_origins: frozenset[str] = frozenset()

    def refresh(self) -> None:
        from ..load import load_config
        from ..screenkeys import keys_required

        config = load_config(self.root)
        if config is not None:
            self.keys_required = keys_required(config)
            self.trusted_origins = frozenset(config.trusted_origins)

    @classmethod
    def read(cls, root: Path) -> "ServeSettings":
        settings = cls(root)
        settings.refresh()
        return settings
