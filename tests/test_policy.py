"""What the build does with plain-language errors, urgent notices from the command line, durations."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from narrowcast.commands.cli import cli
from narrowcast.content.load import load_site
from narrowcast.schedule.plan import live_items

from .test_build import NOW, _tree_digest, browser

LONG = ("Wij vragen u vriendelijk om alle veranderingen in uw inkomen en uw woonsituatie altijd "
        "zo snel als het maar kan aan ons door te geven.")


def run(root: Path, *args, input=None):
    return CliRunner().invoke(cli, ["-C", str(root), *args], input=input)


def test_duration_left_out_is_the_reading_time(minimal: Path):
    site, _ = load_site(minimal)
    entry = live_items(site, site.config.screens[0], NOW)[0]
    # "Verandert er iets? Geef het binnen 1 week aan ons door." = 11 words: 3 s + 11 / 1.5 = 10.3 s
    assert entry.duration == 11
    (minimal / "slides/wijzigingen.yaml").write_text(
        "id: wijzigingen-doorgeven\ntitle: Verandert er iets?\ntext: " + LONG.split(" om ")[0] + ".\nduration: 5\n",
        encoding="utf-8")
    result = run(minimal, "check")
    assert result.exit_code == 1 and "slides/wijzigingen.yaml:4:11: fout: duration:" in result.output


@browser
def test_language_errors_refuse_the_build_unless_forced_with_a_reason(minimal: Path):
    assert run(minimal, "build", "-q").exit_code == 0
    before = _tree_digest(minimal / "output")
    (minimal / "slides/wijzigingen.yaml").write_text(
        f"id: wijzigingen-doorgeven\ntitle: Verandert er iets?\ntext: {LONG}\nduration: 30\n", encoding="utf-8")
    refused = run(minimal, "build", "-q")
    assert refused.exit_code == 1
    assert "slides/wijzigingen.yaml:3:7: fout: text:" in refused.output and "--force" in refused.output
    assert _tree_digest(minimal / "output") == before
    assert run(minimal, "build", "-q", "--force").exit_code == 1, "forcing needs a reason"
    forced = run(minimal, "build", "-q", "--force", "--reason", "Tekst van de wethouder, zo afgesproken")
    assert forced.exit_code == 0, forced.output
    assert _tree_digest(minimal / "output") != before
    record = json.loads((minimal / ".state/forced.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert record["reason"] == "Tekst van de wethouder, zo afgesproken" and record["user"]
    assert any("slides/wijzigingen.yaml:3:7" in error for error in record["errors"])


@browser
def test_urgent_notice_from_the_command_line_publishes_and_cancels(minimal: Path):
    now = ("--at", "2026-11-23 10:00")  # the notice's time is passed in, never the wall clock's
    result = run(minimal, "urgent", "Het Werkplein is vanmiddag gesloten.", "--screens", "hal", "--until", "17:00", *now)
    assert result.exit_code == 0, result.output
    notice_id = result.output.split()[1]
    manifest = json.loads((minimal / "output/screens/hal/manifest.json").read_text(encoding="utf-8"))
    item = manifest["items"][0]
    assert item["id"] == notice_id and item["interrupt"] is True and item["title"] == "Het Werkplein is vanmiddag gesloten."
    other = next(i for i in manifest["items"] if i["id"] == "wijzigingen-doorgeven")
    assert ["2026-11-22T23:00:00Z", "2026-11-23T09:00:00Z"] in other["intervals"], other["intervals"]
    assert not [a for a, b in other["intervals"] if a < "2026-11-23T16:00:00Z" and b > "2026-11-23T09:00:00Z"], \
        "the notice takes over from 10:00 to 17:00: the slide is pushed aside meanwhile"
    assert run(minimal, "urgent", "--list", *now).output.startswith(notice_id)
    assert run(minimal, "urgent", "Iets", "--screens", "bestaat-niet", *now).exit_code == 1
    assert run(minimal, "urgent", "--cancel", notice_id, *now).exit_code == 0
    manifest = json.loads((minimal / "output/screens/hal/manifest.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in manifest["items"]] == ["wijzigingen-doorgeven"]
    again = run(minimal, "urgent", "--cancel", notice_id, *now)
    assert again.exit_code == 1 and "geen lopende melding" in again.output


def test_an_urgent_notice_with_a_language_error_is_refused(minimal: Path):
    result = run(minimal, "urgent", LONG)
    assert result.exit_code == 1 and "melding" in result.output and "--force" in result.output
    assert not (minimal / ".state/urgent.json").exists() or json.loads((minimal / ".state/urgent.json").read_text()) == []


def test_an_urgent_notice_with_a_right_to_left_override_is_refused(minimal: Path):
    """A notice is slide text too: a hidden character that turns the text around is refused."""
    result = run(minimal, "urgent", "Het Werkplein is \u202evandaag gesloten.")
    assert result.exit_code == 1 and "onzichtbaar teken U+202E" in result.output, result.output
    assert not (minimal / ".state/urgent.json").exists() or json.loads((minimal / ".state/urgent.json").read_text()) == []


def test_check_reports_a_row_per_slide_with_its_score(example: Path):
    result = run(example, "check", "--no-render", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    rows = {row["id"]: row for row in report["slides"]}
    assert len(rows) >= 20 and report["errors"] == 0
    row = rows["wijzigingen-doorgeven"]
    assert row["file"] == "slides/wijzigingen.yaml" and row["words"] == 15
    assert row["band"] in ("zeer makkelijk", "makkelijk", "redelijk makkelijk") and row["reading_seconds"] == 13
    text = run(example, "check", "--no-render").output
    assert "Per dia" in text and "Controle in orde" in text
