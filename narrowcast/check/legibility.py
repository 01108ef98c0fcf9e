"""Legibility of the rendered slides: fit, contrast, letter size for the viewing distance, labels.

The numbers come from the page itself (measure.js, run by the renderer); this module turns them
into findings at the slide's place in its file. Rules:
- text that overflows its box or is clipped by the slide: error;
- WCAG contrast below 4.5:1 (AA) is an error, below 7:1 (AAA, our target) a warning;
- cap height at least viewing distance / 200 (a 4 m distance needs 20 mm capitals): error below;
- a picture needs `image_alt`; a QR code needs its address in readable text: warnings / error;
- a slide shorter than 5 s changes too fast for a calm waiting room: warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import Finding
from ..content.ids import ItemId
from ..content.model import Screen, Site

CAP_HEIGHT_EM = 0.714  # Noto Sans, the shipped font
DISTANCE_FACTOR = 200  # cap height ≥ distance / 200
AA = 4.5  # below: an error; measure.js reports everything below 7:1 (AAA, the target)
CALM_SECONDS = 5


@dataclass(frozen=True)
class Measured:
    """What one rendered slide measured, and where it was shown."""

    entry_id: str
    screen: Screen
    problems: list[dict]
    min_font_px: float | None


def pixel_mm(screen: Screen) -> float:
    """The size of one pixel in millimetres, from the diagonal and the resolution."""
    diagonal_px = math.hypot(screen.width, screen.height)
    return screen.diagonal * 25.4 / diagonal_px


def min_cap_height_px(screen: Screen) -> float:
    """The smallest cap height in pixels that reads from the screen's viewing distance."""
    return screen.distance * 1000 / DISTANCE_FACTOR / pixel_mm(screen)


def legibility_findings(site: Site, measured: list[Measured]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for m in measured:
        origin, label = _origin(site, m.entry_id)
        if origin is None:
            continue
        for problem in m.problems:
            key = (m.entry_id, m.screen.id, problem["kind"], problem.get("element"))
            if key in seen:
                continue
            seen.add(key)
            findings += _problem(origin, label, m.screen, problem)
        if m.min_font_px:
            cap = m.min_font_px * CAP_HEIGHT_EM
            needed = min_cap_height_px(m.screen)
            if cap < needed:
                findings.append(origin.finding(("title",), (
                    f"{label}: de kleinste letters zijn op scherm {m.screen.id} {cap * pixel_mm(m.screen):.0f} mm hoog "
                    f"(hoofdletter); vanaf {m.screen.distance:g} m is {m.screen.distance * 1000 / DISTANCE_FACTOR:.0f} mm nodig; "
                    "gebruik minder tekst, dan wordt de letter groter, of kies een groter scherm"), code="cap-height"))
    return findings


def _problem(origin, label: str, screen: Screen, problem: dict) -> list[Finding]:
    kind, element = problem["kind"], problem.get("element", "")
    where = f"{label} op {screen.id} ({screen.width}x{screen.height})"
    if kind in ("overflow", "clipped"):
        what = "past niet in zijn vak" if kind == "overflow" else "valt buiten de dia"
        return [origin.finding(("title",), f"{where}: tekst of beeld ({element}) {what}; maak de tekst korter",
                               code=f"text-{kind}")]
    if kind == "contrast":
        ratio = problem["ratio"]
        severity = "error" if ratio < AA else "warning"
        return [origin.finding(("title",), f"{where}: contrast {ratio:.1f}:1 ({problem['color']} op {problem['background']}, "
                               f"{element}) is {'te laag (minimaal 4,5:1)' if ratio < AA else 'lager dan het doel 7:1'}; "
                               "kies in het thema een donkerder tekstkleur of lichtere achtergrond",
                               severity=severity, code="contrast")]
    if kind == "qr-without-label":
        return [origin.finding(("qr",), f"{where}: de QR-code staat er zonder het webadres in leesbare tekst",
                               code="qr-label")]
    return []


def static_findings(site: Site) -> list[Finding]:
    """Checks that need no browser: picture descriptions and calm durations."""
    findings = []
    for slide in site.slides.values():
        if slide.phase is not None:  # a law's phase has no picture; its duration was never held to this
            continue
        if slide.image and not slide.image_alt:
            findings.append(slide.origin.finding(("image",), "de afbeelding heeft geen beschrijving; zet in image_alt "
                                                 "in woorden wat erop staat", severity="warning", code="image-alt"))
        if slide.duration is not None and slide.duration < CALM_SECONDS:
            findings.append(slide.origin.finding(("duration",), f"{slide.duration} seconden wisselt te snel voor een "
                                                 f"rustige wachtkamer; kies minstens {CALM_SECONDS}", severity="warning",
                                                 code="fast-change"))
    return findings


def _origin(site: Site, entry_id: str):
    """Where the slide of an entry was written, and how to name it in a message (None: not from a file)."""
    try:
        slide = site.slides.get(ItemId.parse(entry_id).slide)
    except ValueError:
        slide = None
    if slide is None:  # the welcome fallback or an urgent notice
        return None, ""
    return slide.origin, f"{'wetswijziging' if slide.phase else 'dia'} {entry_id}"
