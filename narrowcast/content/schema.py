"""JSON Schemas for the YAML file kinds, generated from the model, for editors."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .model import Law, Playlist, SiteConfig, Slide

KINDS: dict[str, tuple[type[BaseModel], bool]] = {
    # kind: (model, whether a file may hold a list of them)
    "site": (SiteConfig, False),
    "slide": (Slide, True),
    "playlist": (Playlist, True),
    "law": (Law, True),
}


def schema_for(kind: str) -> dict:
    model, many = KINDS[kind]
    one = model.model_json_schema(mode="validation")
    defs = one.pop("$defs", {})
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": f"narrowcast {kind}", "$defs": {**defs, model.__name__: one}}
    ref = {"$ref": f"#/$defs/{model.__name__}"}
    if many:
        schema["anyOf"] = [ref, {"type": "array", "items": ref}]
    else:
        schema.update(ref)
    return schema


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = out / f"{kind}.schema.json"
        path.write_text(json.dumps(schema_for(kind), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
