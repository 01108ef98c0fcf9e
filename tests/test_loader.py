"""The loader reads what people write, keeps positions, and never crashes on any input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrowcast.commands.cli import cli
from narrowcast.content.load import load_site
from narrowcast.content.schema import KINDS, schema_for
from narrowcast.yamlsource import read_documents

from .conftest import REPO, write_files
from .test_malformed import CASES, _folder

AMS = ZoneInfo("Europe/Amsterdam")


def test_values_mean_what_a_person_meant(minimal: Path):
    (minimal / "slides/wijzigingen.yaml").write_text(
        "id: wijzigingen-doorgeven\ntitle: no\ntext: 8:30\nicon: huis\n"
        "valid_from: 2026-07-01 09:00\nvalid_until: 2026-07-31\nhours: 8:30-12:00\ndays: ma-vr\n", encoding="utf-8")
    site, findings = load_site(minimal)
    assert findings == []
    slide = site.slides["wijzigingen-doorgeven"]
    assert slide.title == "no" and slide.text == "8:30"  # YAML 1.1 would make these False and 510
    assert slide.valid_from == datetime(2026, 7, 1, 9, 0, tzinfo=AMS)
    assert slide.valid_until == datetime(2026, 8, 1, 0, 0, tzinfo=AMS), "a date-only end includes that whole day"
    assert slide.days == frozenset({0, 1, 2, 3, 4})
    assert [(a.isoformat(), b.isoformat()) for a, b in slide.hours] == [("08:30:00", "12:00:00")]


def test_dutch_icon_words_and_lucide_names_both_work(minimal: Path):
    (minimal / "slides/extra.yaml").write_text(
        "id: geld\ntitle: Geld\nicon: geld\n---\nid: huis\ntitle: Huis\nicon: house\n", encoding="utf-8")
    site, findings = load_site(minimal)
    assert findings == [] and {"geld", "huis"} <= set(site.slides)


def test_several_slides_per_file_keep_their_own_lines(minimal: Path):
    (minimal / "slides/extra.yaml").write_text(
        "- id: een\n  title: Een\n- id: twee\n  title: Twee\n  icon: bestaat-niet\n", encoding="utf-8")
    _site, findings = load_site(minimal)
    assert [str(f) for f in findings] == [
        "slides/extra.yaml:5:9: fout: [2].icon: icoon 'bestaat-niet' bestaat niet; zie 'narrowcast icons' voor de lijst"]


def test_example_content_is_valid():
    site, findings = load_site(REPO)
    assert site is not None, "\n".join(map(str, findings))
    assert [f for f in findings if f.is_error] == []
    assert len(site.slides) >= 20


# --- JSON Schema ---------------------------------------------------------------------------------

_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?\d+\.\d+$")


def _as_editor_sees_it(data):
    """Values typed as a YAML 1.2 editor (yaml-language-server) reads them."""
    if isinstance(data, dict):
        return {k: _as_editor_sees_it(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_as_editor_sees_it(v) for v in data]
    if isinstance(data, str):
        if _INT.match(data):
            return int(data)
        if _FLOAT.match(data):
            return float(data)
        if data in ("true", "false"):
            return data == "true"
    return data


def _documents(root: Path, kind_dir: str):
    for path in sorted((root / kind_dir).rglob("*.yaml")) if kind_dir else [root / "narrowcast.yaml"]:
        documents, problems = read_documents(path, root)
        yield path, documents, problems


@pytest.mark.parametrize("kind,folder", [("site", ""), ("slide", "slides"), ("playlist", "playlists"), ("law", "laws")])
def test_schema_accepts_the_example_content(kind: str, folder: str):
    validator = jsonschema.Draft202012Validator(schema_for(kind))
    seen = 0
    for path, documents, problems in _documents(REPO, folder):
        assert problems == []
        for doc in documents:
            errors = list(validator.iter_errors(_as_editor_sees_it(doc.data)))
            assert errors == [], f"{path}: {[e.message for e in errors]}"
            seen += 1
    assert seen >= 1


SCHEMA_CATCHES = {"wrong-type-duration", "wrong-type-title-list", "missing-title", "bad-slug", "javascript-qr",
                  "bad-resolution", "unknown-layout", "no-screens", "impossible-hours", "unknown-day", "comma-decimal"}


@pytest.mark.parametrize("case", [c for c in CASES if c.name in SCHEMA_CATCHES],
                         ids=[c.name for c in CASES if c.name in SCHEMA_CATCHES])
def test_schema_rejects_malformed_content_where_a_schema_can(tmp_path: Path, case):
    root = _folder(tmp_path, case)
    file = case.where.split(":")[0]
    kind = {"narrowcast.yaml": "site"}.get(file) or {"slides": "slide", "playlists": "playlist"}[file.split("/")[0]]
    documents, problems = read_documents(root / file, root)
    validator = jsonschema.Draft202012Validator(schema_for(kind))
    assert any(list(validator.iter_errors(_as_editor_sees_it(d.data))) for d in documents)


def test_schema_command_writes_one_schema_per_kind(minimal: Path):
    result = CliRunner().invoke(cli, ["-C", str(minimal), "schema"])
    assert result.exit_code == 0, result.output
    for kind in KINDS:
        schema = json.loads((minimal / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)


# --- never a traceback ----------------------------------------------------------------------------

_keys = st.sampled_from(["id", "title", "text", "icon", "steps", "qr", "image", "duration", "valid_from",
                         "valid_until", "days", "hours", "tags", "translations", "layout", "priority", "x"])
_scalars = st.one_of(st.text(max_size=30), st.sampled_from(["no", "8:30", "2026-02-29", "~", "", "-1", "1e9",
                                                             "javascript:x", "../../etc/passwd", "ma-zo", "25:00-1:00"]))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
                       max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.dictionaries(_keys, _values, max_size=8))
def test_random_documents_never_crash_the_loader(minimal: Path, document):
    (minimal / "slides/random.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    _site, findings = load_site(minimal)
    assert all(f.file and f.message for f in findings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(alphabet=" \t\n-:[]{}&*!|>'\"#%@`abc12", max_size=120))
def test_random_bytes_never_crash_the_loader(minimal: Path, raw):
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    (minimal / "slides/random.yaml").write_bytes(data)
    _site, findings = load_site(minimal)
    assert all(f.line >= 0 and f.message for f in findings)


def _read_both(monkeypatch, path: Path, root: Path):
    import narrowcast.yamlsource as ys

    fast = read_documents(path, root)
    with monkeypatch.context() as m:
        m.setattr(ys, "_FAST_LOADER", None)
        slow = read_documents(path, root)
    return [(d.data, d.marks, d.key_marks) for d in fast[0]], fast[1], [(d.data, d.marks, d.key_marks) for d in slow[0]], slow[1]


_TRICKY = ["a: ~\nb: null\nc:\nd: 'null'\ne: \"~\"\nf: Null\n", "- x\n- &a [1, 2]\n- *a\n", "a: |\n  regel 1\n  regel 2\nb: >-\n  x\n  y\n",
           "a: 1\n---\nb: 2\n...\n", "titel: \"Verandert er iets?\\n\"\ntijd: 8:30\ndatum: 2027-01-01\n", "{a: 1, b: [x, y]}\n",
           "a: b: c\n", "a:\n\t- b\n", "a: *nergens\n", "- [1, 2\n",
           "a: " + "[" * 500 + "]" * 500 + "\n", "a: " + "{b: " * 60 + "}" * 60 + "\n",
           "a: " + "[" * 45 + "&x [1]" + "]" * 45 + "\nb: *x\n"]


@pytest.mark.parametrize("text", _TRICKY)
def test_libyaml_and_pure_python_parsers_read_alike(monkeypatch, tmp_path: Path, text: str):
    """The fast C parser is only a speed-up: same values, marks and findings as the pure-Python one."""
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    fast_docs, fast_findings, slow_docs, slow_findings = _read_both(monkeypatch, tmp_path / "x.yaml", tmp_path)
    assert fast_docs == slow_docs
    assert fast_findings == slow_findings


def test_both_parsers_read_the_example_content_alike(monkeypatch):
    files = sorted(REPO.glob("*.yaml")) + sorted(REPO.glob("slides/*.yaml")) + sorted(REPO.glob("playlists/*.yaml"))
    assert len(files) > 10
    for path in files:
        fast_docs, fast_findings, slow_docs, slow_findings = _read_both(monkeypatch, path, REPO)
        assert fast_docs and fast_docs == slow_docs, path
        assert fast_findings == slow_findings, path


def test_a_real_process_prints_no_traceback(tmp_path: Path):
    root = write_files(tmp_path, {"narrowcast.yaml": "site: [\n"})
    proc = subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(root), "check"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "narrowcast.yaml:2:1" in proc.stdout


def test_outside_a_content_folder_the_message_says_what_to_do(tmp_path: Path):
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert "narrowcast init" in result.output
