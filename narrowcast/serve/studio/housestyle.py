"""The studio in the organisation's house style: the live theme's colours (NL Design System tokens
through theme.yaml) as the studio's CSS custom properties, each only where it keeps the studio's
contrast (WCAG 2.1 AA: 4.5:1 for text), so a light brand colour never makes a page unreadable."""

from __future__ import annotations

import re

# studio property <- (theme colour, the colour it must stand out against, ratio)
MAPPING = {
    "--ink": ("text", "#FFFFFF", 7.0),  # text on the white cards
    "--muted": ("muted", "#FFFFFF", 4.5),
    "--bg": ("background", None, 0),  # checked below: the text must read on it
    "--line": ("border", None, 0),  # decoration only
    "--accent": ("accent", "#FFFFFF", 4.5),  # links and focus rings on white
}
_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def house_css(colours: dict) -> str:
    """`:root { … }` with the theme's colours that pass; empty when none does."""
    chosen: dict[str, str] = {}
    for prop, (name, against, ratio) in MAPPING.items():
        value = str(colours.get(name, ""))
        if not _HEX.match(value):
            continue
        if against is None or contrast(value, against) >= ratio:
            chosen[prop] = value
    if "--bg" in chosen:  # the page's text, its grey and its links must read on the page's background too
        on_page = [chosen.get("--ink", "#12304D"), chosen.get("--muted", "#4A5D70"), chosen.get("--accent", "#1D5FA8")]
        if any(contrast(colour, chosen["--bg"]) < 4.5 for colour in on_page):
            del chosen["--bg"]
    if not chosen:
        return ""
    return ":root { " + " ".join(f"{prop}: {value};" for prop, value in chosen.items()) + " }\n"
