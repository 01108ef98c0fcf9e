"""The slide form: which fields the editor shows, and how a filled-in form becomes changes to the YAML.

The form speaks in the texts staff type; the YAML keeps values as written (the reader parses
them), so a field's value goes into the file as the text it is. A field left empty is removed
from the file; a field that is as it was is not touched, so its quoting and comments stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

LAYOUTS = {"standard": "Standaard: titel, tekst en icoon", "steps": "Stappen: een genummerde lijst",
           "question": "Vraag: een vraag en het antwoord", "announcement": "Aankondiging: met een grote regel",
           "law-change": "Wetswijziging", "urgent": "Urgent"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | area | lines | select | number | url | list
    hint: str = ""
    checked: bool = False  # plain language checks run on it: the editor shows marks at the words
    default: str | None = None  # what the slide is when the key is absent: not written when chosen


FIELDS = (
    Field("layout", "Vorm", "select", default="standard"),
    Field("title", "Titel", "text", "Kort en duidelijk, een vraag werkt goed.", checked=True),
    Field("text", "Tekst", "area", "Korte zinnen, hooguit 30 woorden.", checked=True),
    Field("highlight", "Grote regel", "text", "Bijvoorbeeld een datum, bij een aankondiging.", checked=True),
    Field("steps", "Stappen", "lines", "Eén stap per regel (bij de vorm Stappen).", checked=True),
    Field("icon", "Icoon", "icon", "Een Nederlands woord, zoals bel, huis of geld."),
    Field("qr", "QR-code naar", "url", "Een webadres (https://…) voor wie meer wil lezen."),
    Field("image", "Afbeelding", "text", "Pad in de inhoudsmap, zoals images/kaart.png."),
    Field("image_alt", "Wat staat er op de afbeelding?", "text", "In woorden, voor wie het niet kan zien."),
    Field("valid_from", "Vanaf", "text", "Datum (2027-01-01), met tijd (2027-01-01 09:00), of: wet <id>."),
    Field("valid_until", "Tot en met", "text", "Datum of datum met tijd; een datum telt de hele dag mee."),
    Field("days", "Dagen", "text", "Bijvoorbeeld ma-vr of ma,wo,vr."),
    Field("hours", "Uren", "text", "Bijvoorbeeld 8:30-12:00."),
    Field("duration", "Duur in seconden", "number", "Leeg: de standaardduur."),
    Field("every", "Vaker langs", "text", "Bijvoorbeeld 5m: minstens elke 5 minuten."),
    Field("tags", "Labels", "list", "Gescheiden door komma's, zoals geld, werk."),
)
TRANSLATED = (Field("title", "Titel", "text"), Field("text", "Tekst", "area"), Field("highlight", "Grote regel", "text"))
BY_NAME = {f.name: f for f in FIELDS}


def shown(field: Field, data: Mapping) -> str:
    """A field's value as the form shows it."""
    value = data.get(field.name)
    if value is None:
        return ""
    if field.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if field.kind == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


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
        if field.name in typed:
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


def _differs(old, new) -> bool:
    if old is None or old == "" or old == []:
        return new is not None
    if isinstance(old, list):
        return [str(v) for v in old] != new
    return str(old) != new


def slug(title: str) -> str:
    """An id from a title: 'Spreekuur op maandag!' -> 'spreekuur-op-maandag'."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-") or "nieuwe-dia"
