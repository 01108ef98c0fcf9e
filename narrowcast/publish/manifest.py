"""Screen manifest v1 and index.json as types: one writer (`to_json`), one reader (`from_json`), one version.

docs/manifest.md is the spec; `write_schemas` writes the JSON Schemas generated from these types,
so spec, writer and reader cannot drift apart. The key order of `to_json` is part of the output
(the same content must give the same bytes), so each type writes its own keys, in the order of docs/manifest.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, Strict, TypeAdapter, WithJsonSchema, with_config

from ..content.fields import SLUG_RE
from ..content.model import LangCode

SCHEMA = 1  # manifest and index version; a change old players would misread raises it (docs/manifest.md)
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def stamp(moment: datetime) -> str:
    """A moment as the manifest writes it: UTC, whole seconds, `Z`."""
    return moment.astimezone(timezone.utc).strftime(STAMP_FORMAT)


def media_url(name: str) -> str:
    """A media file as a manifest names it: relative to the manifest, so any sub-path works."""
    return f"../../media/{name}"


def manifest_path(screen: str) -> str:
    """A screen's manifest, relative to the output folder (and to index.json)."""
    return f"screens/{screen}/manifest.json"


def _real_stamp(text: str) -> str:
    datetime.fromisoformat(text[:-1])  # the pattern lets 2026-13-45 through; strptime is 10x slower
    return text


def _present(value: Any) -> Any:
    if value is None:  # only an absent `intervals` means "always live"; null is a mistake
        raise ValueError("null is not allowed; leave the field out")
    return value


# Scalars are strict (no "3" for 3, no true for 1); lists become tuples, as JSON has no tuples.
Text = Annotated[str, Strict(), Field(min_length=1)]
Slug = Annotated[str, Strict(), Field(pattern=SLUG_RE.pattern)]
Lang = Annotated[LangCode, Strict()]
Stamp = Annotated[str, Strict(), Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"),
                  AfterValidator(_real_stamp)]
Seconds = Annotated[int, Strict(), Field(ge=1)]
Version = Annotated[str, Strict(), Field(pattern=r"^[0-9a-f]{16}$")]
Png = Annotated[str, Strict(), Field(pattern=r"^\.\./\.\./media/[0-9a-f]{16,64}\.png$")]
Html = Annotated[str, Strict(), Field(pattern=r"^\.\./\.\./media/[0-9a-f]{16,64}\.html$")]
Interval = tuple[Stamp, Stamp]
Intervals = Annotated[tuple[Interval, ...], Field(min_length=1)]
_closed = with_config(ConfigDict(extra="forbid"))  # an unknown key is a mistake in the writer


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


@_closed
@dataclass(frozen=True)
class Item:
    """One slide in one language on one screen. No `intervals`: always live within the horizon."""

    id: Text
    title: Text
    lang: Lang
    image: Png
    html: Html
    duration: Seconds
    priority: Annotated[int, Strict(), Field(ge=-100, le=100)]
    interrupt: Annotated[bool, Strict()]
    intervals: Annotated[Intervals | None, AfterValidator(_present), WithJsonSchema(
        TypeAdapter(Intervals).json_schema()), Field(json_schema_extra=_no_default)] = None

    def __post_init__(self) -> None:
        _check_intervals(self.intervals or ())

    def to_dict(self) -> dict:
        out = {"id": self.id, "title": self.title, "lang": self.lang, "image": self.image, "html": self.html,
               "duration": self.duration, "priority": self.priority, "interrupt": self.interrupt}
        if self.intervals is not None:
            out["intervals"] = [list(pair) for pair in self.intervals]
        return out


def _check_intervals(intervals: tuple[Interval, ...]) -> None:
    """Each interval starts before it ends, after the one before it (the stamps sort as text)."""
    previous = ""
    for start, end in intervals:
        if not previous <= start < end:
            raise ValueError(f"interval [{start}, {end}] is empty or out of order")
        previous = end


@_closed
@dataclass(frozen=True)
class Fallback:
    """What a screen shows when no item is live."""

    id: Text
    image: Png
    html: Html
    duration: Seconds

    def to_dict(self) -> dict:
        return {"id": self.id, "image": self.image, "html": self.html, "duration": self.duration}


def _written_first(schema: dict, cls: type) -> None:
    """`schema` (and a manifest's `version`) are written by to_json, not stored: the spec lists them too."""
    properties = {"schema": {"const": SCHEMA, "type": "integer"}}
    for name, value in schema["properties"].items():
        properties[name] = value
        if name == "screen" and cls is Manifest:
            properties["version"] = TypeAdapter(Version).json_schema()
    required = set(schema["required"]) | {"schema", "version"}
    schema["properties"] = properties
    schema["required"] = [name for name in properties if name in required]


@with_config(ConfigDict(extra="forbid", json_schema_extra=_written_first))
@dataclass(frozen=True)
class Manifest:
    """A screen's manifest: `output/screens/<screen>/manifest.json`."""

    screen: Slug
    server_time: Stamp
    horizon: Stamp
    poll_seconds: Seconds
    items: tuple[Item, ...]
    fallback: Fallback
    loops: Annotated[tuple[Annotated[tuple[Text, ...], Field(min_length=1)], ...] | None, AfterValidator(_present),
                     WithJsonSchema(TypeAdapter(tuple[Annotated[tuple[Text, ...], Field(min_length=1)], ...]).json_schema()),
                     Field(json_schema_extra=_no_default)] = None

    def __post_init__(self) -> None:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("an item id is listed twice")
        if self.loops is not None:
            named = {ident for loop in self.loops for ident in loop}
            if named - set(ids):
                raise ValueError(f"loops name items that are not in items: {sorted(named - set(ids))[:3]}")
            if set(ids) - named:
                raise ValueError(f"items that no loop plays: {sorted(set(ids) - named)[:3]}")

    def _content(self) -> dict:
        content = {"items": [item.to_dict() for item in self.items], "fallback": self.fallback.to_dict()}
        if self.loops is not None:
            content["loops"] = [list(loop) for loop in self.loops]
        return content

    def version(self) -> str:
        """A hash of everything but `server_time` and `horizon`: a later build of the same content
        (the same day) has the same version, so a screen's ETag check costs a 304."""
        content = {"schema": SCHEMA, "screen": self.screen, "poll_seconds": self.poll_seconds, **self._content()}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "screen": self.screen, "version": self.version(),
                "server_time": self.server_time, "horizon": self.horizon, "poll_seconds": self.poll_seconds,
                **self._content()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, data: str | bytes) -> Manifest:
        """The manifest in `data`; ValueError when its shape is wrong or its version is not its own."""
        raw = _schema_one(data)
        version = raw.pop("version", None)
        manifest = _ADAPTERS[cls].validate_python(raw)
        if version != manifest.version():
            raise ValueError(f"version {str(version)[:40]!r} does not match the content ({manifest.version()})")
        return manifest


@_closed
@dataclass(frozen=True)
class IndexScreen:
    """One screen in index.json."""

    id: Slug
    name: Text
    location: Text | None
    resolution: Annotated[str, Strict(), Field(pattern=r"^[1-9][0-9]*x[1-9][0-9]*$")]
    playlist: Slug
    version: Version
    manifest: Annotated[str, Strict(), Field(pattern=r"^screens/[a-z0-9-]+/manifest\.json$")]

    def __post_init__(self) -> None:
        if self.manifest != manifest_path(self.id):
            raise ValueError(f"screen {self.id}: manifest is {self.manifest}, not {manifest_path(self.id)}")

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "location": self.location, "resolution": self.resolution,
                "playlist": self.playlist, "version": self.version, "manifest": self.manifest}


@with_config(ConfigDict(extra="forbid", json_schema_extra=_written_first))
@dataclass(frozen=True)
class Index:
    """`output/index.json`: every screen with its manifest's version."""

    site: Text
    generated: Stamp
    screens: tuple[IndexScreen, ...]

    def __post_init__(self) -> None:
        ids = [screen.id for screen in self.screens]
        if len(set(ids)) != len(ids):
            raise ValueError("a screen is listed twice")

    def versions(self) -> dict[str, str]:
        return {screen.id: screen.version for screen in self.screens}

    def to_json(self) -> str:
        index = {"schema": SCHEMA, "site": self.site, "generated": self.generated,
                 "screens": [screen.to_dict() for screen in self.screens]}
        return json.dumps(index, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, data: str | bytes) -> Index:
        """The index in `data`; ValueError when its shape is wrong."""
        return _ADAPTERS[cls].validate_python(_schema_one(data))


_ADAPTERS = {cls: TypeAdapter(cls) for cls in (Manifest, Index)}


def _schema_one(data: str | bytes) -> dict:
    """The JSON object in `data` without its `schema` key, which must be 1 (an integer, not true)."""
    try:
        raw = json.loads(data)
    except RecursionError:  # nested too deep to be a manifest
        raise ValueError("nested too deeply") from None
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    schema = raw.pop("schema", None)
    if type(schema) is not int or schema != SCHEMA:
        raise ValueError(f"schema {str(schema)[:40]!r} is not {SCHEMA}")
    return raw


def manifest_version(data: str | bytes) -> str | None:
    """The version of the manifest in `data`, or None when it is damaged (the server then hashes the bytes)."""
    try:
        return Manifest.from_json(data).version()
    except ValueError:  # pydantic's ValidationError and UnicodeDecodeError are ValueErrors too
        return None


def json_schema(cls: type[Manifest] | type[Index]) -> dict:
    """The JSON Schema (draft 2020-12) of manifest.json or index.json, generated from the types."""
    name = "manifest" if cls is Manifest else "index"
    generated = _ADAPTERS[cls].json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **generated,
            "title": f"narrowcast {name}.json, schema {SCHEMA}", "description": "See docs/manifest.md."}


def write_schemas(out: Path) -> list[Path]:
    """manifest.schema.json and index.schema.json into `out`, beside the YAML kinds' schemas."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, cls in (("manifest", Manifest), ("index", Index)):
        path = out / f"{name}.schema.json"
        path.write_text(json.dumps(json_schema(cls), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
