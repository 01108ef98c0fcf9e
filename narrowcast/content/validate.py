"""Validate one YAML document against a model; turn every problem into a Dutch finding."""

from __future__ import annotations

import difflib
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Finding
from .model import Origin
from ..yamlsource import Document, field_name

M = TypeVar("M", bound=BaseModel)

# Words staff type for a field, mapped to the field they mean.
_DUTCH_FIELDS = {
    "titel": "title", "tekst": "text", "icoon": "icon", "pictogram": "icon", "stappen": "steps",
    "duur": "duration", "tijdsduur": "duration", "afbeelding": "image", "plaatje": "image", "foto": "image",
    "vertalingen": "translations", "vertaling": "translations", "dagen": "days", "uren": "hours",
    "tijden": "hours", "geldig_vanaf": "valid_from", "vanaf": "valid_from", "geldig_tot": "valid_until",
    "tot": "valid_until", "naam": "name", "resolutie": "resolution", "afstand": "distance",
    "kijkafstand": "distance", "diagonaal": "diagonal", "locatie": "location", "plek": "location",
    "afspeellijst": "playlist", "prioriteit": "priority", "voorrang": "priority", "labels": "tags",
    "label": "tags", "tag": "tags", "thema": "theme", "tijdzone": "timezone", "taal": "language",
    "schermen": "screens", "dia": "slide", "dias": "slides", "qr-code": "qr", "qrcode": "qr", "link": "qr",
    "opmaak": "layout", "indeling": "layout", "ingang": "effective", "ingangsdatum": "effective",
    "aankondigen_vanaf": "announce_from", "vervalt_na": "retire_after", "vervangt": "supersedes",
    "voor": "before", "na": "after", "aftellen": "countdown", "uitgelicht": "highlight",
}

_MESSAGES = {
    "missing": "dit veld ontbreekt; vul het in",
    "string_type": "hier hoort tekst",
    "int_parsing": "'{input}' is geen heel getal; schrijf bijvoorbeeld 12",
    "int_type": "hier hoort een heel getal, bijvoorbeeld 12",
    "int_from_float": "'{input}' is geen heel getal; laat de komma weg",
    "float_parsing": "'{input}' is geen getal; schrijf bijvoorbeeld 4 of 2.5 (met een punt)",
    "float_type": "hier hoort een getal, bijvoorbeeld 4 of 2.5",
    "list_type": "hier hoort een lijst (regels die met '- ' beginnen)",
    "dict_type": "hier horen velden (naam: waarde)",
    "model_type": "hier horen velden (naam: waarde)",
    "model_attributes_type": "hier horen velden (naam: waarde)",
    "greater_than_equal": "'{input}' is te klein; het moet minstens {ge} zijn",
    "less_than_equal": "'{input}' is te groot; het mag hoogstens {le} zijn",
    "too_short": "hier moet minstens {min_length} waarde staan",
    "string_pattern_mismatch": "'{input}' heeft niet de goede vorm",
    "bool_parsing": "'{input}' is geen ja of nee",
}


def suggest(word: str, choices) -> str | None:
    """The closest known word, for 'bedoelde u ...?'."""
    word = word.lower()
    if word in _DUTCH_FIELDS and _DUTCH_FIELDS[word] in choices:
        return _DUTCH_FIELDS[word]
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _all_fields(model: type[BaseModel], seen=None) -> set[str]:
    """Every field name a document of this kind may use, at any depth."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in _nested_models(info.annotation):
            names |= _all_fields(arg, seen)
    return names


def _nested_models(annotation) -> list[type[BaseModel]]:
    found = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            found.append(item)
        stack.extend(getattr(item, "__args__", ()) or ())
        stack.extend(getattr(item, "__metadata__", ()) or ())
        if hasattr(item, "__origin__") and item.__origin__ is not None and not isinstance(item.__origin__, type):
            stack.append(item.__origin__)
    return found


def validate(model: type[M], doc: Document, path: tuple = (), context: dict | None = None) -> tuple[M | None, list[Finding]]:
    """Validate the value at path in doc; unknown keys are warnings, everything else an error."""
    data = doc.data
    for part in path:
        data = data[part]
    findings: list[Finding] = []
    for _attempt in range(2):
        try:
            obj = model.model_validate(data, context=context)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            unknown = [e for e in errors if e["type"] == "extra_forbidden"]
            others = [e for e in errors if e["type"] != "extra_forbidden"]
            findings += [_unknown_key(model, doc, path + tuple(e["loc"])) for e in unknown]
            if others:
                findings += [_error(doc, path, e) for e in others]
                return None, _dedupe(findings)
            data = _without(data, [tuple(e["loc"]) for e in unknown])
            continue
        _set_origins(obj, doc, path)
        return obj, _dedupe(findings)
    return None, _dedupe(findings)  # pragma: no cover - the second attempt has no unknown keys


def _unknown_key(model, doc: Document, loc: tuple) -> Finding:
    key = str(loc[-1])
    hint = suggest(key, _all_fields(model))
    message = f"onbekend veld '{key}'" + (f"; bedoelde u '{hint}'?" if hint else "; dit veld wordt overgeslagen")
    return doc.finding(loc, message, severity="warning", code="unknown-field", at_key=True)


def _error(doc: Document, path: tuple, error: dict) -> Finding:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith(("function-", "[key]"))))
    full = path + loc
    if error["type"] == "narrowcast":
        message = error["msg"]
    elif error["type"] == "literal_error":
        message = f"'{error.get('input')}' kan hier niet; kies uit: {error['ctx']['expected'].replace(chr(39), '')}"
    elif error["type"] == "missing":
        field = str(loc[-1]) if loc else ""
        message = f"'{field}' ontbreekt; dit veld is nodig"
        line, column = doc.mark(full[:-1])
        return Finding(doc.file, line, column, field_name(full), message, "error", "missing")
    else:
        template = _MESSAGES.get(error["type"])
        values = {"input": error.get("input"), **(error.get("ctx") or {})}
        message = template.format(**values) if template else f"ongeldige waarde ({error['msg']})"
    return doc.finding(full, message, code=error["type"].replace("_", "-"))


def _without(data, locs: list[tuple]):
    """A copy of data with the unknown keys at locs removed."""
    import copy

    data = copy.deepcopy(data)
    for loc in locs:
        parent = data
        for part in loc[:-1]:
            parent = parent[part]
        parent.pop(loc[-1], None)
    return data


def _set_origins(obj, doc: Document, path: tuple) -> None:
    """Remember where every model object came from, so later checks can point at its lines."""
    if isinstance(obj, BaseModel):
        obj._origin = Origin(doc, path)
        for name in type(obj).model_fields:
            _set_origins(getattr(obj, name), doc, path + (name,))
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _set_origins(item, doc, path + (i,))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _set_origins(item, doc, path + (key,))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))
