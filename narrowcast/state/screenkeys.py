"""Screen keys: whether a content folder needs them, the missing ones made, the player URLs that carry them.

A key is shown once, when it is made, and stored only as a hash: `narrowcast serve` prints the
player URL with the key for every screen it gave a key, and for the others says how to make a
new one (`narrowcast screen-key SCHERM`, which ends the old key).
"""

from __future__ import annotations

from ..errors import Finding
from ..folder import CONFIG_FILE
from ..content.model import SiteConfig
from .records import Records


def keys_required(config: SiteConfig) -> bool:
    return config.screen_keys == "required"


def unset_warning(config: SiteConfig) -> Finding | None:
    """A folder made before keys were the default: it keeps working, and is told what that means."""
    if config.screen_keys is not None:
        return None
    return Finding(CONFIG_FILE, 0, 0, "screen_keys",
                   "niet ingesteld, dus kan elk apparaat op het netwerk hartslagen en vertoningen insturen voor elk "
                   "scherm. Zet 'screen_keys: required' in narrowcast.yaml: 'narrowcast serve' geeft dan elk scherm "
                   "een sleutel en toont de speler-URL met die sleutel (of kies bewust 'screen_keys: optional')",
                   severity="warning", code="screen-keys-unset")


def ensure_keys(records: Records, screens: list[str]) -> dict[str, str]:
    """A new key for every screen that has none; returns those keys (the only time they can be shown)."""
    return {screen: records.new_screen_key(screen) for screen in screens if not records.has_screen_key(screen)}


def player_lines(base: str, config: SiteConfig, records: Records) -> list[str]:
    """What `serve` prints about the screens at start: each player URL, with its key where one was just made."""
    screens = [screen.id for screen in config.screens]
    required = keys_required(config)
    new = ensure_keys(records, screens) if required else {}
    lines = []
    if new:
        lines.append("  Nieuwe schermsleutels: zet deze URL's in de kiosks; ze worden maar één keer getoond.")
    for screen in screens:
        url = f"{base}/player/?screen={screen}"
        if screen in new:
            lines.append(f"  speler {screen}: {url}&key={new[screen]}")
        elif required or records.has_screen_key(screen):
            lines.append(f"  speler {screen}: {url}&key=…   (de sleutel is al gemaakt en niet meer te tonen; "
                         f"een nieuwe: narrowcast screen-key {screen})")
        else:
            lines.append(f"  speler {screen}: {url}")
    warning = unset_warning(config)
    if warning:
        lines.append(f"  Let op: {warning}")
    return lines
