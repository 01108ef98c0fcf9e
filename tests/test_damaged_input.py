"""Damaged state files, impossible moments, a folder that cannot be written, two builds at once:
each gives a Dutch message naming the file or the option and what to do, and exit 1, never a
traceback; a file that is only a cache is rebuilt without a word."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from narrowcast.commands.cli import cli

from .conftest import MINIMAL_SLIDE

AMS = ZoneInfo("Europe/Amsterdam")
NOW = "2026-11-23 10:00"
NOTICE = {"id": "melding-20261123-1000", "text": "Het Werkplein is vanmiddag dicht.",
          "start": "2026-11-23T10:00:00+01:00", "until": "2026-11-24T00:00:00+01:00", "screens": [], "icon": "informatie"}


def _run(root: Path, *args: str):
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{args} raised {result.exception!r}:\n{result.output}"
    return result


def _fails_with(root: Path, args: list[str], *parts: str) -> str:
    result = _run(root, *args)
    assert result.exit_code == 1, result.output
    assert "Fout: " in result.output, result.output
    for part in parts:
        assert part in result.output, f"expected {part!r} in:\n{result.output}"
    return result.output


def _process(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(root), *args],
                          capture_output=True, text=True, timeout=300, **kwargs)


def _tree(folder: Path) -> dict[str, bytes]:
    folder = folder.resolve()
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- moments outside the calendar ------------------------------------------------------------------

@pytest.mark.parametrize("args, option", [
    (["schedule", "--at", "9999-12-31"], "--at"),
    (["schedule", "--at", "0001-01-01"], "--at"),
    (["schedule", "--week", "--at", "9999-12-25 10:00"], "--at"),
    (["check", "--no-render", "--at", "9999-12-31"], "--at"),
    (["build", "--at", "9999-12-31", "--out", "elders"], "--at"),
    (["build", "--at", "0001-01-01", "--out", "elders"], "--at"),
    (["urgent", "--at", NOW, "--until", "9999-12-31 23:59", "Het Werkplein is vanmiddag dicht."], "--until"),
    (["urgent", "--at", "0001-01-01", "--list"], "--at"),
    (["report", "--from", "0001-01-01", "--to", "2026-01-01"], "--from"),
    (["report", "--from", "2026-01-01", "--to", "9999-12-31"], "--to"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_a_moment_outside_the_calendar_names_the_option(minimal: Path, args: list[str], option: str):
    output = _fails_with(minimal, args, f"Fout: {option}: ", "kies een jaar van 1900 tot en met 9000")
    assert not (minimal / ".state/urgent.json").exists(), "a refused notice is not kept"


def test_a_nonexistent_local_time_on_the_command_line_says_what_it_becomes(minimal: Path):
    result = _run(minimal, "schedule", "--at", "2027-03-28 02:30")
    assert result.exit_code == 0, result.output
    assert "--at: 2027-03-28 02:30 bestaat niet (zomertijd); het wordt 03:30" in result.stderr


def test_the_autumn_hour_that_happens_twice_says_which_one_is_taken(minimal: Path):
    result = _run(minimal, "schedule", "--at", "2026-10-25 02:30")
    assert result.exit_code == 0, result.output
    assert "--at: 2026-10-25 02:30 komt twee keer voor (de klok gaat terug); het wordt de eerste keer, in zomertijd" \
        in result.stderr
    assert "2026-10-25 02:30+01:00" in result.stderr, "says how to write the second one"
    plain = _run(minimal, "schedule", "--at", "2026-10-25 12:00")
    assert plain.stderr == "", "an ordinary moment gets no notice"


# --- .state/urgent.json ----------------------------------------------------------------------------

_GOOD_NOTICES = json.dumps([NOTICE], indent=1)
_BAD_NOTICES = {
    "truncated": (_GOOD_NOTICES[:70], "regel 4", "houdt halverwege op"),
    "garbage": ("\x00\x01{]" * 3, "regel 1", "geen geldige JSON"),
    "not-utf8": (b"[\xff\xfe]", "", "geen tekst (UTF-8)"),
    "not-a-list": ('{"id": "x"}', "regel 1", "hier hoort een lijst"),
    "start-missing": (json.dumps([{k: v for k, v in NOTICE.items() if k != "start"}], indent=1), "regel 2", "'start' ontbreekt"),
    "bad-moment": (json.dumps([{**NOTICE, "until": "morgen"}], indent=1), "regel 2", "'until' is geen moment"),
    "no-timezone": (json.dumps([{**NOTICE, "until": "2026-11-24T00:00:00"}], indent=1), "regel 2", "'until' is geen moment"),
    "second-notice": (json.dumps([NOTICE, {**NOTICE, "id": 7}], indent=1), "regel 10", "'id' is geen tekst"),
    "screens-not-a-list": (json.dumps([{**NOTICE, "screens": "hal"}], indent=1), "regel 2", "'screens' is geen lijst"),
    "id-a-path": (json.dumps([{**NOTICE, "id": "../../x"}], indent=1), "regel 2", "'id' is geen geldige id"),
    "text-empty": (json.dumps([{**NOTICE, "text": " "}], indent=1), "regel 2", "'text' is leeg"),
    "nested-too-deep": ("[" * 5000, "", "te diep genest"),
    "text-reversed-by-hand": (json.dumps([{**NOTICE, "text": "Het Werkplein is \u202edicht"}], indent=1), "regel 2",
                              "'text': in deze tekst staat een onzichtbaar teken U+202E"),
}


@pytest.mark.parametrize("command", [["schedule", "--at", NOW], ["urgent", "--at", NOW, "--list"],
                                     ["urgent", "--at", NOW, "--cancel", "melding-20261123-1000"]],
                         ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("damage", list(_BAD_NOTICES), ids=list(_BAD_NOTICES))
def test_a_damaged_urgent_file_is_named_with_its_line_and_what_to_do(minimal: Path, damage: str, command: list[str]):
    content, line, problem = _BAD_NOTICES[damage]
    path = minimal / ".state/urgent.json"
    path.parent.mkdir()
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    where = f".state/urgent.json is beschadigd ({line})" if line else ".state/urgent.json is beschadigd"
    _fails_with(minimal, command, where, problem, "Herstel het bestand of verwijder het")
    assert path.read_bytes() == (content if isinstance(content, bytes) else content.encode("utf-8")), "left as it was"


def test_a_damaged_urgent_file_stops_a_build_and_the_live_output_stays(minimal: Path):
    assert _run(minimal, "build", "-q").exit_code == 0
    before = _tree(minimal / "output")
    (minimal / ".state").mkdir(exist_ok=True)
    (minimal / ".state/urgent.json").write_text(_GOOD_NOTICES[:70], encoding="utf-8")
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("1 week", "een week"), encoding="utf-8")
    proc = _process(minimal, "build", "-q")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "Fout: .state/urgent.json is beschadigd (regel 4)" in proc.stderr
    assert _tree(minimal / "output") == before


def test_notices_saved_by_narrowcast_still_read_back(minimal: Path):
    """The stricter reader accepts everything `narrowcast urgent` writes."""
    from narrowcast.state.files import Notice, load_notices, save_notices

    notice = Notice("melding-1", "Dicht.", datetime(2026, 11, 23, 10, tzinfo=AMS), datetime(2026, 11, 24, tzinfo=AMS),
                    ("hal",), "bel")
    save_notices(minimal, [notice])
    assert load_notices(minimal) == [notice]


# --- .state/narrowcast.db --------------------------------------------------------------------------

def _database(root: Path) -> Path:
    from narrowcast.state.records import Records

    records = Records(root)
    records.set_user("anna", "een lang wachtwoord", datetime(2026, 11, 23, tzinfo=AMS))
    records.add_plays("hal", [("wijzigingen-doorgeven", datetime(2026, 11, 23, 9, tzinfo=AMS), 12.0)])
    records.close()
    return root / ".state/narrowcast.db"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "a-folder"])
@pytest.mark.parametrize("command", [["user", "list"], ["report", "--from", "2026-11-01", "--to", "2026-11-30"]],
                         ids=lambda c: c[0])
def test_a_damaged_database_is_named_with_what_to_do(minimal: Path, damage: str, command: list[str]):
    path = _database(minimal)
    if damage == "garbage":
        path.write_bytes(b"dit is geen database\n" * 300)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    else:
        path.unlink()
        path.mkdir()
    output = _fails_with(minimal, command, ".state/narrowcast.db")
    if damage == "a-folder":
        assert "kan niet geopend worden" in output
    else:
        assert "is beschadigd" in output and "Zet het bestand opzij" in output


def test_a_database_with_a_table_missing_gets_it_back(minimal: Path):
    path = _database(minimal)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE plays")
    result = _run(minimal, "report", "--from", "2026-11-01", "--to", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert result.stdout == "scherm,item,vertoningen,seconden\n"
    assert _run(minimal, "user", "list").stdout == "anna  (redacteur)\n"


# --- caches and logs narrowcast can rebuild --------------------------------------------------------

@pytest.mark.parametrize("memo", [b"[" * 5000, b"\x00garbage", b'{"stamp": 1, "entries": []}', b"[1, 2]", b'{"entries": "x"}'])
def test_a_damaged_checks_memo_is_rebuilt_without_a_word(minimal: Path, memo: bytes):
    assert _run(minimal, "check", "--no-render").exit_code == 0
    path = minimal / ".narrowcast-cache/checks.memo"
    assert path.is_file()
    path.write_bytes(memo)
    result = _run(minimal, "check", "--no-render")
    assert result.exit_code == 0, result.output
    assert "checks.memo" not in result.output
    assert json.loads(path.read_text(encoding="utf-8"))["entries"], "written again"


def test_a_memo_with_the_right_stamp_but_wrong_entries_is_checked_again(minimal: Path):
    (minimal / "slides/ambtelijk.yaml").write_text(
        "id: ambtelijk\ntitle: Wijzigingen\ntext: Conform de wet dient u wijzigingen onverwijld te melden.\n", encoding="utf-8")
    first = _run(minimal, "check", "--no-render")
    assert first.exit_code == 0, first.output
    path = minimal / ".narrowcast-cache/checks.memo"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert any(stored["entries"].values()), "a slide with findings is remembered"
    found = next(entries for entries in stored["entries"].values() if entries)
    wrong = [[{"bestand": 1}], [5], [{**entry, "line": "een"} for entry in found], [{**found[0], "severity": "ramp"}]]
    for wrong_entries in wrong:
        stored["entries"] = {key: wrong_entries for key in stored["entries"]} | {"x": 5}
        path.write_text(json.dumps(stored), encoding="utf-8")
        result = _run(minimal, "check", "--no-render")
        assert result.exit_code == 0, result.output
        assert result.output == first.output, "checked again: the same findings"


def test_a_damaged_retention_log_keeps_every_live_image(tmp_path: Path):
    """The log of recent publications says which old images screens may still ask for; when it is
    damaged, every image of the live build is carried over (nothing a screen needs goes missing)."""
    from narrowcast.publish.swap import builds_dir, carry_media, new_build_dir, publish

    target = tmp_path / "output"
    now = datetime(2026, 11, 23, 10, tzinfo=AMS)
    first = new_build_dir(target, "a")
    (first / "media").mkdir()
    (first / "media/oud.png").write_bytes(b"png")
    publish(first, target, {"oud.png"}, now, timedelta(hours=48))
    for damage in ("[" * 5000, '[{"time": "gisteren"}]', '{"a": 1}', "[1]", '[{"time": "2026-11-23T10:00:00"}]', "\x00"):
        (builds_dir(target) / "published.json").write_text(damage, encoding="utf-8")
        second = new_build_dir(target, "b")
        (second / "media").mkdir()
        (second / "media/nieuw.png").write_bytes(b"png")
        media = carry_media(target, second, {"nieuw.png"}, now + timedelta(minutes=1), timedelta(hours=48))
        assert media == {"nieuw.png", "oud.png"}, damage
        assert (second / "media/oud.png").is_file()


def test_a_forced_log_cut_off_midway_stays_one_record_per_line(minimal: Path):
    from narrowcast.state.files import record_forced

    path = minimal / ".state/forced.jsonl"
    path.parent.mkdir()
    path.write_text('{"time": "2026-11-23T10:00:00+01:00", "user": "an', encoding="utf-8")  # a write cut off
    record_forced(minimal, "de wet gaat morgen in", [])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["reason"] == "de wet gaat morgen in"


def test_a_forced_log_that_cannot_be_written_stops_the_forced_publication(minimal: Path):
    from narrowcast.errors import NarrowcastError
    from narrowcast.state.files import record_forced

    (minimal / ".state/forced.jsonl").mkdir(parents=True)
    with pytest.raises(NarrowcastError, match=r"\.state/forced\.jsonl kan niet bijgewerkt worden"):
        record_forced(minimal, "de wet gaat morgen in", [])


# --- a slide's image deleted between the check and the render --------------------------------------

def test_an_image_deleted_after_the_check_names_the_slide_and_its_image_field(minimal: Path, monkeypatch):
    import narrowcast.publish.build as build_module

    (minimal / "images").mkdir()
    (minimal / "images/foto.png").write_bytes((Path(__file__).parents[1] / "images/formulier-pictogram.png").read_bytes())
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE + "image: images/foto.png\nimage_alt: Een formulier\n",
                                                     encoding="utf-8")
    assert _run(minimal, "build", "-q").exit_code == 0
    before = _tree(minimal / "output")
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("1 week", "een week") +
                                                     "image: images/foto.png\nimage_alt: Een formulier\n", encoding="utf-8")
    checked = build_module.check_content

    def check_then_delete(*args, **kwargs):
        found = checked(*args, **kwargs)
        (minimal / "images/foto.png").unlink()  # someone tidies the images folder just now
        return found

    monkeypatch.setattr(build_module, "check_content", check_then_delete)
    _fails_with(minimal, ["build", "-q"], "slides/wijzigingen.yaml:5:8: fout: image: afbeelding 'images/foto.png'",
                "er is niets gepubliceerd")
    assert _tree(minimal / "output") == before


# --- two builds at once ----------------------------------------------------------------------------

_HOLD_LOCK = """
import sys
from pathlib import Path
from narrowcast.state.files import build_lock

with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _hold_build_lock(root: Path) -> subprocess.Popen:
    """Another process in the middle of a build: it holds the folder's build lock until told to stop."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(root)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def _release(holder: subprocess.Popen) -> None:
    holder.stdin.write("\n")
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0


def _published_whole(root: Path) -> None:
    output = root / "output"
    for manifest in output.glob("screens/*/manifest.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        for item in data["items"] + [data["fallback"]]:
            assert (manifest.parent / item["image"]).resolve().is_file(), item["image"]


def test_a_build_while_another_runs_waits_for_it_and_says_so(minimal: Path):
    assert _run(minimal, "build", "-q").exit_code == 0
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("1 week", "een week"), encoding="utf-8")
    holder = _hold_build_lock(minimal)
    try:
        second = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(minimal), "build", "-q"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting = second.stderr.readline()
        assert f"Er loopt al een build in deze map (pid {holder.pid}); wachten tot die klaar is" in waiting
    finally:
        _release(holder)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "Traceback" not in err
    _published_whole(minimal)
    assert any("een week" in page.read_text(encoding="utf-8") for page in (minimal / "output/media").glob("*.html")), \
        "the waiting build published the saved change"


def test_a_build_that_cannot_wait_names_the_running_build_and_publishes_nothing(minimal: Path):
    assert _run(minimal, "build", "-q").exit_code == 0
    before = _tree(minimal / "output")
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("1 week", "een week"), encoding="utf-8")
    holder = _hold_build_lock(minimal)
    try:
        proc = _process(minimal, "build", "-q", env={**os.environ, "NARROWCAST_BUILD_WAIT": "0"})
    finally:
        _release(holder)
    assert proc.returncode == 1, proc.stderr
    assert f"Fout: er loopt al een build in deze map (pid {holder.pid}); wacht tot die klaar is" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _tree(minimal / "output") == before


def test_builds_started_together_all_publish_a_whole_output(minimal: Path):
    """One build renders everything anew while two more start: each waits its turn (before the lock,
    a later build removed the first one's build folder and it died with FileNotFoundError)."""
    assert _run(minimal, "build", "-q").exit_code == 0
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("1 week", "een week"), encoding="utf-8")
    command = [sys.executable, "-m", "narrowcast", "-C", str(minimal), "build", "-q"]
    builds = [subprocess.Popen(command + ["--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    builds += [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for build in builds:
        _, err = build.communicate(timeout=300)
        assert build.returncode == 0 and "Traceback" not in err, err
    _published_whole(minimal)


def test_two_notices_made_at_the_same_moment_are_both_kept(minimal: Path, monkeypatch):
    """Each `narrowcast urgent` reads the saved notices, adds its own and writes them back: without a
    lock around that, the slower one wrote back a list without the other's notice."""
    import threading

    from narrowcast.publish import urgent
    from narrowcast.state import files as state

    read = state.load_notices

    def slow_read(root):
        notices = read(root)
        time.sleep(0.3)  # the other command reads meanwhile
        return notices

    monkeypatch.setattr(state, "load_notices", slow_read)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
    texts = ["Het Werkplein is vanmiddag dicht.", "De lift is kapot. Neem de trap."]
    threads = [threading.Thread(target=urgent.create_notice, args=(minimal, text, now)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(n.text for n in read(minimal)) == sorted(texts)
    assert len({n.id for n in read(minimal)}) == 2


# --- an output folder that cannot be written -------------------------------------------------------
# As root, permission bits stop no write, so these use places the system itself refuses to write:
# a file where the output folder should be, and a folder that cannot be made (its parent is a file).

def test_an_output_that_is_a_file_is_named_and_left_alone(minimal: Path):
    (minimal / "output").write_text("een notitie, geen map\n", encoding="utf-8")
    output = _fails_with(minimal, ["build", "-q"], f"de uitvoermap {minimal.resolve() / 'output'} is een bestand, geen map",
                         "er is niets gepubliceerd")
    assert "Traceback" not in output
    assert (minimal / "output").read_text(encoding="utf-8") == "een notitie, geen map\n"
    assert not (minimal / ".output.builds").exists()


def test_an_output_folder_that_cannot_be_made_is_named_and_the_live_output_stays(minimal: Path, tmp_path: Path):
    assert _run(minimal, "build", "-q").exit_code == 0
    before = _tree(minimal / "output")
    (tmp_path / "blok").write_text("", encoding="utf-8")
    target = tmp_path / "blok/site"
    _fails_with(minimal, ["build", "-q", "--at", NOW, "--out", str(target)],
                f"de uitvoermap {target} kan niet geschreven worden: een deel van het pad is een bestand, geen map",
                "Kies met --out een map waarin u mag schrijven")
    assert _tree(minimal / "output") == before


def test_a_write_that_fails_while_publishing_is_named_and_the_live_output_stays(minimal: Path, monkeypatch):
    """A full disk, say: the OS refuses a write in the middle of publishing."""
    import errno

    import narrowcast.publish.build as build_module

    assert _run(minimal, "build", "-q").exit_code == 0
    before = _tree(minimal / "output")
    (minimal / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("1 week", "een week"), encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(minimal / ".output.builds/x/index.json"))

    monkeypatch.setattr(build_module, "write_outputs", disk_full)
    _fails_with(minimal, ["build", "-q"], "kan niet geschreven worden: de schijf is vol")
    assert _tree(minimal / "output") == before


# --- the sweep: broken files, folders and environment variables, fed to real processes --------------

def _make(kind: str, rel: str, data: str = ""):
    def setup(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            path.write_text(data, encoding="utf-8")
        elif kind == "folder":
            path.mkdir()
        else:
            os.symlink(data, path)
    return setup


_SWEEP = {
    "state-folder-is-a-file": (_make("file", ".state", "x"), {}, ["build", "-q"], ".state/build.lock kan niet gemaakt worden"),
    "state-folder-is-a-file-users": (_make("file", ".state", "x"), {}, ["user", "list"],
                                     ".state/narrowcast.db kan niet geopend worden"),
    "lock-is-a-folder": (_make("folder", ".state/build.lock"), {}, ["build", "-q"], ".state/build.lock kan niet gemaakt worden"),
    "urgent-is-a-folder": (_make("folder", ".state/urgent.json"), {}, ["schedule", "--at", NOW],
                           ".state/urgent.json kan niet gelezen worden: dit is een map"),
    "output-points-at-itself": (_make("link", "output", "output"), {}, ["build", "-q"], "die naar zichzelf verwijst"),
    "builds-folder-is-a-file": (_make("file", ".output.builds", "x"), {}, ["build", "-q"], "kan niet geschreven worden"),
    "chromium-not-executable": (_make("file", "mijn-chromium", "#!/bin/sh\n"), {"NARROWCAST_CHROMIUM": "mijn-chromium"},
                                ["build", "-q", "--no-cache"], "is geen programma dat kan starten (niet uitvoerbaar)"),
    "chromium-is-a-folder": (_make("folder", "mijn-chromium"), {"NARROWCAST_CHROMIUM": "mijn-chromium"},
                             ["build", "-q", "--no-cache"], "Chromium uit NARROWCAST_CHROMIUM is een map, geen programma"),
    "cache-limit-not-a-number": (lambda root: None, {"NARROWCAST_CACHE_MAX_ENTRIES": "veel"}, ["build", "-q"],
                                 "NARROWCAST_CACHE_MAX_ENTRIES='veel' is geen geldig getal"),
    "cache-folder-is-a-file": (_make("file", ".narrowcast-cache", "x"), {}, ["build", "-q"],
                               "de tussenopslag"),
    "build-wait-not-a-number": (lambda root: None, {"NARROWCAST_BUILD_WAIT": "lang"}, ["build", "-q"],
                                "NARROWCAST_BUILD_WAIT='lang' is geen aantal seconden"),
}


@pytest.mark.parametrize("name", list(_SWEEP))
def test_broken_surroundings_give_a_dutch_message_and_no_traceback(minimal: Path, name: str):
    setup, env, args, message = _SWEEP[name]
    setup(minimal)
    env = {key: str(minimal / value) if value == "mijn-chromium" else value for key, value in env.items()}
    proc = _process(minimal, *args, env={**os.environ, **env})
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Fout: " in proc.stderr and message in proc.stderr, proc.stderr
