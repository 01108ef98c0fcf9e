"""Manifest v1 as a contract: what the build writes validates against `narrowcast schema`'s
manifest.schema.json and index.schema.json, reads back through the same types, and keeps its version."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from click.testing import CliRunner

from narrowcast.commands.cli import cli
from narrowcast.publish.manifest import (Fallback, Index, IndexScreen, Item, Manifest,
                                         manifest_version)
from narrowcast.state.files import Notice, save_notices

from .building import build
from .test_build import browser
from .conftest import copy_example

AMS = ZoneInfo("Europe/Amsterdam")
LAW = "participatiewet-in-balans-fase-3"  # laws/: announced from 2026-11-01, in effect 2027-01-01
MOMENTS = {
    "countdown": datetime(2026, 11, 23, 10, 0, tzinfo=AMS),  # a countdown day, with an urgent notice
    "eve": datetime(2026, 12, 31, 20, 0, tzinfo=AMS),  # the last countdown day; the horizon crosses the date
    "in-effect": datetime(2027, 1, 15, 10, 0, tzinfo=AMS),  # after the law's date
}


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, jsonschema.Draft202012Validator]:
    """The schemas as `narrowcast schema` writes them, as validators."""
    out = tmp_path_factory.mktemp("schemas")
    result = CliRunner().invoke(cli, ["-C", str(out), "schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    validators = {}
    for name in ("manifest", "index"):
        schema = json.loads((out / f"{name}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[name] = jsonschema.Draft202012Validator(schema)
    return validators


@pytest.fixture(scope="module", params=list(MOMENTS))
def built(request, tmp_path_factory) -> tuple[str, Path, dict[str, str]]:
    """The example content built once per moment: (moment name, output folder, the build's versions)."""
    name = request.param
    root = copy_example(tmp_path_factory.mktemp(name) / "voorbeeld")
    if name == "countdown":
        at = MOMENTS[name]
        save_notices(root, [Notice("melding-1", "Het Werkplein is vanmiddag gesloten.", at, at.replace(hour=17),
                                   ("werkplein-hal",))])
    report = build(root, MOMENTS[name])
    return name, (root / "output").resolve(), report.versions


def _files(out: Path) -> dict[str, bytes]:
    files = {p.parent.name: p.read_bytes() for p in sorted((out / "screens").glob("*/manifest.json"))}
    assert len(files) == 5
    return files


@browser
def test_every_built_manifest_and_index_validates_against_the_written_schema(built, schemas):
    name, out, _ = built
    for screen, data in _files(out).items():
        errors = [e.message for e in schemas["manifest"].iter_errors(json.loads(data))]
        assert not errors, (name, screen, errors[:3])
    errors = [e.message for e in schemas["index"].iter_errors(json.loads((out / "index.json").read_bytes()))]
    assert not errors, (name, errors[:3])


@browser
def test_the_moments_show_the_law_in_its_phases(built):
    """The moments cover what the schema test claims: a countdown, its last day, the new rule."""
    name, out, _ = built
    hal = json.loads((out / "screens/werkplein-hal/manifest.json").read_bytes())
    ids = {item["id"] for item in hal["items"]}
    law = {i for i in ids if i.startswith(LAW)}
    if name == "countdown":
        assert f"{LAW}-voor@20261123" in law and f"{LAW}-na" not in law
        notice = next(item for item in hal["items"] if item["id"] == "melding-1")
        assert notice["interrupt"] is True and notice["intervals"]
    elif name == "eve":
        assert {f"{LAW}-voor@20261231", f"{LAW}-na"} <= law
    else:  # the new rule alone, in Dutch and in each language it was translated into
        assert {i.split(".")[0] for i in law} == {f"{LAW}-na"} and f"{LAW}-na.ar" in law
    items = [item for data in _files(out).values() for item in json.loads(data)["items"]]
    assert any("intervals" in item for item in items) and any("intervals" not in item for item in items)


@browser
def test_built_files_read_back_through_the_types_byte_for_byte(built):
    name, out, versions = built
    index_bytes = (out / "index.json").read_bytes()
    index = Index.from_json(index_bytes)
    assert index.to_json().encode() == index_bytes
    assert Index.from_json(index.to_json()) == index
    assert index.versions() == versions
    for screen, data in _files(out).items():
        manifest = Manifest.from_json(data)
        assert manifest.to_json().encode() == data, (name, screen)
        assert Manifest.from_json(manifest.to_json()) == manifest
        assert manifest_version(data) == manifest.version() == versions[screen] == json.loads(data)["version"]


def _manifest(**changes) -> Manifest:
    item = Item(id="wijzigingen-doorgeven", title="Verandert er iets?", lang="nl",
                image="../../media/3f9a0c1d2e3f4a5b6c7d8e9f.png", html="../../media/3f9a0c1d2e3f4a5b6c7d8e9f.html",
                duration=12, priority=0, interrupt=False,
                intervals=(("2026-11-23T07:30:00Z", "2026-11-23T11:00:00Z"),))
    fallback = Fallback(id="welkom", image="../../media/0123456789abcdef01234567.png",
                        html="../../media/0123456789abcdef01234567.html", duration=10)
    fields = dict(screen="werkplein-1", server_time="2026-11-23T10:00:00Z", horizon="2026-11-25T23:00:00Z",
                  poll_seconds=30, items=(item, replace(item, id="welkom.en", lang="en", intervals=None)),
                  fallback=fallback)
    return Manifest(**{**fields, **changes})


def test_to_json_writes_the_v1_layout():
    """Keys in the order of docs/manifest.md, one-space indent, no `intervals` for an item always live."""
    text = _manifest().to_json()
    assert list(json.loads(text)) == ["schema", "screen", "version", "server_time", "horizon", "poll_seconds",
                                      "items", "fallback"]
    assert text.startswith('{\n "schema": 1,\n "screen": "werkplein-1",\n "version": "')
    first, second = json.loads(text)["items"]
    assert list(first) == ["id", "title", "lang", "image", "html", "duration", "priority", "interrupt", "intervals"]
    assert first["intervals"] == [["2026-11-23T07:30:00Z", "2026-11-23T11:00:00Z"]] and "intervals" not in second
    assert list(json.loads(text)["fallback"]) == ["id", "image", "html", "duration"]


def test_round_trip():
    manifest = _manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert Manifest.from_json(manifest.to_json().encode()) == manifest
    index = Index(site="Werkplein", generated="2026-11-23T10:00:00Z", screens=(IndexScreen(
        id="werkplein-1", name="Hal", location=None, resolution="1920x1080", playlist="werkplein",
        version=manifest.version(), manifest="screens/werkplein-1/manifest.json"),))
    assert Index.from_json(index.to_json()) == index and index.versions() == {"werkplein-1": manifest.version()}


def test_the_version_ignores_the_clock_and_follows_the_content():
    manifest = _manifest()
    later = replace(manifest, server_time="2026-11-23T15:00:00Z", horizon="2026-11-26T23:00:00Z")
    assert later.version() == manifest.version()
    first = manifest.items[0]
    assert replace(manifest, items=(replace(first, duration=13),) + manifest.items[1:]).version() != manifest.version()
    assert replace(manifest, items=manifest.items[:1]).version() != manifest.version()
    assert replace(manifest, poll_seconds=60).version() != manifest.version()
    assert replace(manifest, fallback=replace(manifest.fallback, duration=11)).version() != manifest.version()


def _damaged() -> dict[str, bytes]:
    good = json.loads(_manifest().to_json())
    item = good["items"][0]

    def with_item(**changes) -> dict:
        return {**good, "items": [{**item, **changes}] + good["items"][1:]}

    cases = {
        "not JSON": b"{\"schema\": 1, \"screen\": ",
        "not UTF-8": b"\xff\xfe{}",
        "a list": b"[]",
        "deeply nested": b"[" * 100_000,
        "schema 2": {**good, "schema": 2},
        "schema true": {**good, "schema": True},
        "no fallback": {k: v for k, v in good.items() if k != "fallback"},
        "an unknown field": {**good, "extra": 1},
        "a version not its own": {**good, "version": "0123456789abcdef"},
        "duration as text": with_item(duration="12"),
        "interrupt as a number": with_item(interrupt=0),
        "intervals null": with_item(intervals=None),
        "a local time": with_item(intervals=[["2026-11-23T08:30:00+01:00", "2026-11-23T11:00:00Z"]]),
        "no such hour": with_item(intervals=[["2026-11-23T25:00:00Z", "2026-11-23T26:00:00Z"]]),
        "an interval backwards": with_item(intervals=[["2026-11-23T11:00:00Z", "2026-11-23T07:30:00Z"]]),
        "an image elsewhere": with_item(image="/media/3f9a0c1d2e3f4a5b6c7d8e9f.png"),
    }
    return {name: case if isinstance(case, bytes) else json.dumps(case).encode() for name, case in cases.items()}


@pytest.mark.parametrize("name", list(_damaged()))
def test_a_damaged_manifest_has_no_version(name):
    data = _damaged()[name]
    assert manifest_version(data) is None
    with pytest.raises(ValueError):
        Manifest.from_json(data)


@pytest.mark.parametrize("data", [b"", b"{\"schema\": 1, \"screens\": [", b"[]", b"{\"screens\": [{\"id\": 1}]}",
                                  b"{\"schema\": 1, \"site\": \"x\", \"generated\": \"2026-11-23T10:00:00Z\", "
                                  b"\"screens\": [{\"id\": \"hal\"}]}"])
def test_a_damaged_index_is_refused(data):
    with pytest.raises(ValueError):
        Index.from_json(data)


def test_the_damaged_manifests_break_the_schema_too(schemas):
    """The reader and the schema agree: what the reader refuses, the schema refuses (where JSON Schema can)."""
    beyond_schema = {"not JSON", "not UTF-8", "deeply nested", "a version not its own", "no such hour",
                     "an interval backwards"}
    for name, data in _damaged().items():
        if name not in beyond_schema:
            assert not schemas["manifest"].is_valid(json.loads(data)), name


def _mutations(document: dict, path: tuple = ()):
    """Every object in `document` with each of its fields removed, and with each given the wrong type."""
    wrong = {str: 12, int: "12", bool: 1, list: "[]", dict: [], type(None): 0}
    for key, value in document.items():
        yield "without", path + (key,)
        yield "wrong type", path + (key,), wrong[type(value)]
        nested = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else value
        if isinstance(nested, dict):  # of a list of objects, the first
            yield from _mutations(nested, path + ((key, 0) if isinstance(value, list) else (key,)))


def _apply(document: dict, mutation: tuple) -> dict:
    document = copy.deepcopy(document)
    *steps, last = mutation[1]
    target = document
    for step in steps:
        target = target[step]
    if mutation[0] == "without":
        del target[last]
    else:
        target[last] = mutation[2]
    return document


@pytest.mark.parametrize("kind", ["manifest", "index"])
def test_the_schema_refuses_a_missing_field_or_a_wrong_type(kind, schemas):
    """Every field the build writes is required, except `intervals` (absent: always live), and typed."""
    manifest = _manifest()
    document = json.loads(manifest.to_json() if kind == "manifest" else Index(
        site="Werkplein", generated="2026-11-23T10:00:00Z", screens=(IndexScreen(
            id="werkplein-1", name="Hal", location="Begane grond", resolution="1920x1080", playlist="werkplein",
            version=manifest.version(), manifest="screens/werkplein-1/manifest.json"),)).to_json())
    validator = schemas[kind]
    assert validator.is_valid(document)
    checked = 0
    for mutation in _mutations(document):
        broken = _apply(document, mutation)
        optional = mutation[0] == "without" and mutation[1][-1] == "intervals"
        assert validator.is_valid(broken) == optional, mutation
        checked += 1
    assert checked > (30 if kind == "manifest" else 15)
