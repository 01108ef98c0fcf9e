"""The slide form: which fields the editor shows, and how a filled-in form becomes changes to the YAML.

The form speaks in the texts staff type; the YAML keeps values as written (the reader parses
them), so a field's value goes into the file as the text it is. A field left empty is removed
from the file; a field that is as it was is not touched, so its quoting and comments stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

LAYOUTS = {"standard": "Standaard: titel, tekst en icoon", "steps": "Stappen: een genummerde lijst",
           "question": "Vraag: een vraag en het antwoord", "announcement": "Aankondiging: met een grote regel",
           "law-change": "Wetswijziging", "urgent": "Urgent"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | area | lines | steps | select | number | url | list | icon | image
    hint: str = ""
    checked: bool = False  # plain language checks run on it: the editor shows marks at the words
    default: str | None = None  # what the slide is when the key is absent: not written when chosen


FIELDS = (
    Field("layout", "Vorm", "select", default="standard"),
    Field("title", "Titel", "text", "Kort en duidelijk, een vraag werkt goed.", checked=True),
    Field("text", "Tekst", "area", "Korte zinnen, hooguit 30 woorden.", checked=True),
    Field("highlight", "Grote regel", "text", "Bijvoorbeeld een datum, bij een aankondiging.", checked=True),
    Field("steps", "Stappen", "steps", "Twee tot zes stappen (bij de vorm Stappen); een stap zonder tekst valt weg.",
          checked=True),
    Field("icon", "Icoon", "icon", "Een Nederlands woord, zoals bel, huis of geld."),
    Field("qr", "QR-code naar", "url", "Een webadres (https://…) voor wie meer wil lezen."),
    Field("image", "Afbeelding", "image", "Pad in de inhoudsmap, zoals images/kaart.png, of kies hieronder een bestand."),
    Field("image_alt", "Wat staat er op de afbeelding?", "text", "In woorden, voor wie het niet kan zien."),
    Field("valid_from", "Vanaf", "text", "Datum (2027-01-01), met tijd (2027-01-01 09:00), of: wet <id>."),
    Field("valid_until", "Tot en met", "text", "Datum of datum met tijd; een datum telt de hele dag mee."),
    Field("days", "Dagen", "text", "Bijvoorbeeld ma-vr of ma,wo,vr."),
    Field("hours", "Uren", "text", "Bijvoorbeeld 8:30-12:00."),
    Field("duration", "Duur in seconden", "number", "Leeg: de standaardduur."),
    Field("every", "Vaker langs", "text", "Bijvoorbeeld 5m: minstens elke 5 minuten."),
    Field("tags", "Labels", "list", "Gescheiden door komma's, zoals geld, werk."),
)
TRANSLATED = (Field("title", "Titel", "text", checked=True), Field("text", "Tekst", "area", checked=True),
              Field("steps", "Stappen", "lines", "Eén stap per regel, in de volgorde van het Nederlands.", checked=True),
              Field("highlight", "Grote regel", "text", checked=True))
MAX_STEPS = 6
BY_NAME = {f.name: f for f in FIELDS}


def shown(field: Field, data: Mapping) -> str:
    """A field's value as the form shows it (the steps field: see `step_rows`)."""
    value = data.get(field.name)
    if value is None:
        return ""
    if field.kind == "lines":
        return "\n".join(_step_text(v) for v in value) if isinstance(value, list) else str(value)
    if field.kind == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def step_rows(data: Mapping) -> list[tuple[str, str, bool]]:
    """(text, icon, spare) of each step as written, then empty rows up to MAX_STEPS; `spare` rows
    past the first empty one wait for the editor's "Nog een stap" button."""
    value = data.get("steps")
    rows = [(_step_text(v), str(v.get("icon") or "") if isinstance(v, Mapping) else "", False)
            for v in (value if isinstance(value, list) else [])]
    shown = max(len(rows) + 1, 2)
    return rows + [("", "", n >= shown) for n in range(len(rows), max(MAX_STEPS, len(rows)))]


def _step_text(step) -> str:
    return str(step.get("text") or "") if isinstance(step, Mapping) else str(step)


def typed_steps(typed: Mapping[str, str]) -> list | None:
    """The steps the form's rows give (`steps.N.text`, `steps.N.icon`): a step with an icon is a
    block, one without is its text; rows without text fall away; None when there are none."""
    out: list = []
    for n in range(MAX_STEPS * 2):
        text = typed.get(f"steps.{n}.text", "").replace("\r\n", "\n").strip()
        icon = typed.get(f"steps.{n}.icon", "").strip()
        if text:
            out.append({"text": text, "icon": icon} if icon else text)
    return out or None


def form_value(field: Field, typed: str):
    """What the file gets for what was typed: text, a list, or None (remove the key)."""
    typed = typed.replace("\r\n", "\n")
    if field.kind == "lines":
        lines = [line.strip() for line in typed.split("\n") if line.strip()]
        return lines or None
    if field.kind == "list":
        items = [item.strip() for item in typed.split(",") if item.strip()]
        return items or None
    return typed.strip() or None


def changes(data: Mapping, typed: Mapping[str, str], languages: list[str]) -> dict[str, object]:
    """The changes a filled-in form makes to a slide's values as written (dotted keys; None removes)."""
    out: dict[str, object] = {}
    for field in FIELDS:
        if field.kind == "steps":
            if any(key.startswith("steps.") for key in typed):
                value, old = typed_steps(typed), data.get("steps")
                if [_step_key(v) for v in (old if isinstance(old, list) else [])] != [_step_key(v) for v in value or []]:
                    out["steps"] = _steps_value(old, value)
        elif field.name in typed:
            value = form_value(field, typed[field.name])
            if value == field.default and data.get(field.name) in (None, ""):
                continue
            if _differs(data.get(field.name), value):
                out[field.name] = value
    translations = data.get("translations") if isinstance(data.get("translations"), dict) else {}
    for lang in languages:
        was = translations.get(lang) if isinstance(translations.get(lang), dict) else {}
        for field in TRANSLATED:
            key = f"t.{lang}.{field.name}"
            if key in typed:
                value = form_value(field, typed[key])
                if _differs(was.get(field.name), value):
                    out[f"translations.{lang}.{field.name}"] = value
    return out


def form_label(field: str) -> str:
    """A finding's field (`steps[2].icon`, `translations.en.title`) as the form names it: "Stap 2,
    icoon", "Titel (Engels)"; a field the form does not show, as it is."""
    from ...publish.previewdata import LANGUAGES

    step = re.fullmatch(r"steps\[(\d+)\](?:\.(\w+))?", field)
    if step:
        return f"Stap {step[1]}" + (", icoon" if step[2] == "icon" else "")
    translated = re.fullmatch(r"translations\.([\w-]+)\.(\w+)(?:\[(\d+)\])?", field)
    if translated and translated[2] in {f.name for f in TRANSLATED}:
        lang, name, index = translated[1], translated[2], translated[3]
        label = f"Stap {index}" if name == "steps" and index else BY_NAME[name].label
        return f"{label} ({LANGUAGES.get(lang, lang)})"
    return BY_NAME[field].label if field in BY_NAME else field


def _differs(old, new) -> bool:
    if old is None or old == "" or old == []:
        return new is not None
    if isinstance(old, list):  # a translation's steps are their texts: each keeps the icon it has
        return not isinstance(new, list) or [_step_text(v) for v in old] != new
    return str(old) != new


def _step_key(step) -> tuple[str, str]:
    if isinstance(step, Mapping):
        return _step_text(step), str(step.get("icon") or "")
    return str(step), ""


def _steps_value(old, new: list | None) -> list | None:
    """The steps to write: a step that loses its icon says so (icon None removes the key)."""
    if new is None:
        return None
    old = old if isinstance(old, list) else []
    return [{"text": step, "icon": None} if isinstance(step, str) and n < len(old) and _step_key(old[n])[1] else step
            for n, step in enumerate(new)]


def slug(title: str) -> str:
    """An id from a title: 'Spreekuur op maandag!' -> 'spreekuur-op-maandag'."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-") or "nieuwe-dia"
