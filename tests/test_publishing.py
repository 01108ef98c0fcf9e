"""Four-eyes publishing on the command line: propose, approve, reject, history, rollback (issue 15)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from narrowcast.commands.cli import cli
from narrowcast.state.history import erase_people, log_path, read_log, verify
from narrowcast.state.records import Records

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, MINIMAL_SLIDE, write_files
from .test_build import browser

AMS = ZoneInfo("Europe/Amsterdam")
AT = "2026-11-23 10:00"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
PASSWORD = "een lang wachtwoord"


def _cli(root: Path, *args: str, at: str | None = AT):
    extra = ["--at", at] if at and args[0] in ("publish", "approve", "reject", "rollback", "proposals") else []
    return CliRunner().invoke(cli, ["-C", str(root), *args, *extra])


def _ok(root: Path, *args: str, at: str | None = AT) -> str:
    result = _cli(root, *args, at=at)
    assert result.exit_code == 0, result.output
    return result.output


def _refused(root: Path, *args: str, words: str) -> str:
    result = _cli(root, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Fout: " in result.output
    assert words in result.output, result.output
    return result.output


def _folder(tmp_path: Path, settings: str = "publishing: review\n") -> Path:
    root = write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE + settings,
        "slides/wijzigingen.yaml": MINIMAL_SLIDE,
        "playlists/werkplein.yaml": MINIMAL_PLAYLIST,
    })
    records = Records(root)
    for name, role in (("anna", "redacteur"), ("bert", "eindredacteur"), ("carla", "eindredacteur")):
        records.set_user(name, PASSWORD, NOW, role)
    records.close()
    return root


def _manifest(root: Path) -> dict:
    return json.loads((root / "output/screens/hal/manifest.json").read_text(encoding="utf-8"))


def _title(root: Path, title: str) -> None:
    path = root / "slides/wijzigingen.yaml"
    path.write_text(MINIMAL_SLIDE.replace("Verandert er iets?", title), encoding="utf-8")


def _items(root: Path) -> list[str]:
    return [item["title"] for item in _manifest(root)["items"]]


# --- the flow ------------------------------------------------------------------------------------------

@browser
def test_nothing_reaches_the_screens_before_a_colleague_approves(tmp_path: Path):
    root = _folder(tmp_path)
    _refused(root, "build", "-q", words="er is nog niets goedgekeurd")
    assert not (root / "output").exists(), "review mode: the working copy is never built into output/"

    said = _ok(root, "publish", "--user", "bert", "--message", "Eerste versie")
    assert "Voorstel 1 staat klaar" in said and "Verandert er iets?" in said, "the change is shown in words"
    assert not (root / "output").exists(), "a proposal publishes nothing"
    _refused(root, "approve", "1", "--user", "bert", words="je kunt je eigen voorstel niet goedkeuren")
    _refused(root, "approve", "1", "--user", "anna", words="anna is redacteur; goedkeuren mag alleen een eindredacteur")
    _refused(root, "approve", "1", "--user", "nobody", words="gebruiker nobody bestaat niet")

    assert "Voorstel 1 is goedgekeurd en gepubliceerd (publicatie 2" in _ok(root, "approve", "1", "--user", "carla")
    assert _items(root) == ["Verandert er iets?"]
    _refused(root, "approve", "1", "--user", "carla", words="voorstel 1 is al goedgekeurd")
    listed = json.loads(_ok(root, "history", "--format", "json"))["history"]
    assert [(e["id"], e["kind"]) for e in listed] == [(2, "publicatie"), (1, "voorstel")]
    assert listed[0]["people"] == {"voorgesteld": "bert", "goedgekeurd": "carla"}
    assert listed[0]["message"] == "Eerste versie" and set(listed[0]["screens"]) == {"hal"}
    assert listed[0]["screens"]["hal"] == _manifest(root)["version"]


@browser
def test_an_edit_after_proposing_makes_the_proposal_stale(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    _title(root, "Is er iets veranderd?")
    shown = json.loads(_ok(root, "proposals", "--format", "json"))["proposals"]
    assert [(p["id"], p["status"]) for p in shown] == [(1, "verouderd")]
    _refused(root, "approve", "1", "--user", "bert", words="voorstel 1 is verouderd")
    assert not (root / "output").exists()
    _ok(root, "publish", "--user", "anna")  # proposed again: this one is current
    _ok(root, "approve", "2", "--user", "bert")
    assert _items(root) == ["Is er iets veranderd?"]


@browser
def test_the_live_build_reads_the_approved_snapshot_never_the_draft(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    _ok(root, "approve", "1", "--user", "bert")
    before = _manifest(root)
    _title(root, "Nog niet klaar")  # a half-finished draft
    (root / "narrowcast.yaml").write_text(MINIMAL_SITE + "publishing: direct\n", encoding="utf-8")  # and a way out
    _ok(root, "build", "-q", at=None)  # what every scheduled rebuild does
    assert _items(root) == ["Verandert er iets?"] and _manifest(root)["version"] == before["version"]
    # the switch back to direct is itself a change: it needs four eyes too
    assert "Voorstel 3 staat klaar" in _ok(root, "publish", "--user", "bert")
    assert _items(root) == ["Verandert er iets?"]


@browser
def test_a_rejection_needs_a_reason_and_publishes_nothing(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    _refused(root, "reject", "1", "--user", "bert", "--reason", "  ", words="geef een reden")
    assert "Voorstel 1 is afgewezen" in _ok(root, "reject", "1", "--user", "bert", "--reason", "Te lange zin")
    _refused(root, "approve", "1", "--user", "bert", words="voorstel 1 is al afgewezen")
    assert not (root / "output").exists()
    entry = json.loads(_ok(root, "history", "--format", "json"))["history"][0]
    assert (entry["kind"], entry["proposal"], entry["reason"]) == ("afwijzing", 1, "Te lange zin")


@browser
def test_without_four_eyes_an_eindredacteur_publishes_at_once_and_a_redacteur_still_proposes(tmp_path: Path):
    root = _folder(tmp_path, "publishing: review\nfour_eyes: false\n")
    assert "Voorstel 1" in _ok(root, "publish", "--user", "anna")
    assert not (root / "output").exists()
    assert "Gepubliceerd (publicatie 2)" in _ok(root, "publish", "--user", "bert")
    assert _items(root) == ["Verandert er iets?"]
    _title(root, "Eigen controle")
    assert "Gepubliceerd (publicatie 3)" in _ok(root, "publish", "--user", "carla")
    assert _items(root) == ["Eigen controle"]


@browser
def test_direct_mode_publishes_and_records(tmp_path: Path):
    root = _folder(tmp_path, "")
    assert "Gepubliceerd (publicatie 1)" in _ok(root, "publish", "--user", "anna", "--message", "snel")
    assert _items(root) == ["Verandert er iets?"]
    _refused(root, "rollback", "1", "--user", "bert", words="terugzetten kan alleen bij publishing: review")


@browser
def test_check_errors_block_a_proposal_unless_forced_with_a_reason(tmp_path: Path):
    root = _folder(tmp_path)
    officialese = ("Teneinde uw aanvraag in behandeling te kunnen nemen, dient u derhalve alle relevante "
                   "bescheiden met betrekking tot uw inkomsten voorafgaand aan de eerstvolgende afspraak te overleggen, "
                   "zulks conform de geldende regelgeving inzake de verstrekking van bijstand.")
    (root / "slides/wijzigingen.yaml").write_text(MINIMAL_SLIDE.replace("Geef het binnen 1 week aan ons door.",
                                                                        officialese), encoding="utf-8")
    _refused(root, "publish", "--user", "anna", words="--force")
    assert read_log(root) == []
    _ok(root, "publish", "--user", "anna", "--force", "--reason", "wettelijk verplichte tekst")
    assert read_log(root)[0].forced == "wettelijk verplichte tekst"
    _ok(root, "approve", "1", "--user", "bert")
    assert _manifest(root)["items"], "the approval publishes with the proposal's recorded reason"
    forced = [json.loads(line) for line in (root / ".state/forced.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(f["user"], f["reason"]) for f in forced} == {("anna", "wettelijk verplichte tekst"),
                                                          ("bert", "wettelijk verplichte tekst")}, \
        "the forced log names the narrowcast user who proposed and who approved, not the shell's account"


@browser
def test_schedule_shows_what_is_live_and_the_working_copy_on_request(tmp_path: Path):
    root = _folder(tmp_path)
    _refused(root, "schedule", "--at", AT, words="er is nog niets goedgekeurd")
    _ok(root, "publish", "--user", "anna")
    _ok(root, "approve", "1", "--user", "bert")
    _title(root, "Nog niet klaar")

    def titles(*extra: str) -> tuple[dict, list[str]]:
        shown = json.loads(_ok(root, "schedule", "--at", AT, "--format", "json", *extra))
        return shown["content"], [item["title"] for item in shown["screens"]["hal"]["items"]]

    assert titles() == ({"kind": "live", "publication": 2}, ["Verandert er iets?"])
    assert titles("--working") == ({"kind": "werkmap", "publication": None}, ["Nog niet klaar"])
    assert "publicatie 2" in _ok(root, "schedule", "--at", AT)


@browser
def test_rollback_puts_the_earlier_manifests_back_byte_for_byte(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    _ok(root, "approve", "1", "--user", "bert")
    first = (root / "output/screens/hal/manifest.json").read_bytes()
    _title(root, "Tweede versie")
    _ok(root, "publish", "--user", "anna")
    _ok(root, "approve", "3", "--user", "bert", at="2026-11-23 11:00")
    assert (root / "output/screens/hal/manifest.json").read_bytes() != first
    _refused(root, "rollback", "1", "--user", "bert", words="er is geen publicatie 1")
    _refused(root, "rollback", "2", "--user", "anna", words="terugzetten mag alleen een eindredacteur")
    assert "Publicatie 2 staat weer live (publicatie 5)" in _ok(root, "rollback", "2", "--user", "carla",
                                                                 at="2026-11-23 12:00")
    assert (root / "output/screens/hal/manifest.json").read_bytes() == first
    _ok(root, "build", "-q", at=None)  # and a later rebuild keeps building what was rolled back to
    assert _items(root) == ["Verandert er iets?"]


def test_the_server_asks_whether_a_log_change_is_new_only_between_steps(tmp_path: Path):
    """Between a step's build and its record the server's last build and the log disagree for a moment;
    a watcher that asked then rebuilt and rewrote a rollback's very files (CI, test_publishing_live).
    It waits for the step lock: a step in progress, no answer yet."""
    import threading

    from narrowcast.serve.server import Server
    from narrowcast.state.files import step_lock

    from .liveserver import ManualClock

    root = _folder(tmp_path)
    server = Server(root, ManualClock(NOW))
    answered = threading.Event()
    try:
        with step_lock(root):  # a step is under way
            asker = threading.Thread(target=lambda: (server._built_what_is_approved(), answered.set()), daemon=True)
            asker.start()
            assert not answered.wait(1.5), "it answered while a step was under way"
        assert answered.wait(60), "it answers once the step is recorded"
    finally:
        server.records.close()


# --- the log ---------------------------------------------------------------------------------------------

@browser
def test_history_verify_finds_a_record_changed_or_removed_by_hand(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna", "--message", "eerste")
    _ok(root, "approve", "1", "--user", "bert")
    _refused(root, "publish", "--user", "anna", words="er verandert niets: precies deze inhoud staat al live")
    assert "Het logboek klopt" in _ok(root, "history", "--verify")
    path = log_path(root)
    original = path.read_bytes()
    path.write_bytes(original.replace(b'"message":"eerste"', b'"message":"iets anders"', 1))
    result = _cli(root, "history", "--verify")
    assert result.exit_code == 1 and "regel 1 (record 1): de inhoud is gewijzigd" in result.output
    path.write_bytes(original.replace(b'"anna"', b'"dirk"', 1))
    assert "de namen zijn gewijzigd" in _cli(root, "history", "--verify").output
    lines = original.splitlines(keepends=True)
    path.write_bytes(b"".join(lines[1:]))
    assert "verwijst niet naar het record ervoor" in _cli(root, "history", "--verify").output
    # the last records cut off: the chain that is left holds, the witness in the database does not
    path.write_bytes(lines[0])
    result = _cli(root, "history", "--verify")
    assert result.exit_code == 1 and "record 2 ontbreekt: het logboek is ingekort" in result.output, result.output
    # the whole log rewritten with fresh hashes (a forged chain): the witness knows another hash
    from dataclasses import replace as changed
    from narrowcast.state.history import record_hash
    first = changed(read_log(root)[0], message="iets anders")
    first = changed(first, hash=record_hash(first))
    second = changed(_record_after(original), prev=first.hash)
    path.write_bytes(first.to_line() + changed(second, hash=record_hash(second)).to_line())
    result = _cli(root, "history", "--verify")
    assert result.exit_code == 1 and "record 2 is herschreven" in result.output, result.output
    # a line cut off by a crash was never a record: reading goes on, verify names it, the next append cuts it
    path.write_bytes(original + b'{"seq": 3, "kind": "voor')
    assert _cli(root, "history").exit_code == 0
    assert "de laatste regel is half geschreven" in _cli(root, "history", "--verify").output
    _title(root, "Na de onderbreking")
    _ok(root, "publish", "--user", "anna")
    assert [r.seq for r in read_log(root)] == [1, 2, 3] and "Het logboek klopt" in _ok(root, "history", "--verify")
    # a line in the middle that is no record is damage, named with its line; never a traceback
    path.write_bytes(lines[0] + b'{"seq": "twee"}\n' + lines[1])
    damaged = _cli(root, "history")
    assert damaged.exit_code == 1 and "is beschadigd (regel 2" in damaged.output and "Traceback" not in damaged.output
    path.write_bytes(lines[0].replace(b'"at":"', b'"at":"gisteren', 1) + lines[1])
    damaged = _cli(root, "history")
    assert damaged.exit_code == 1 and "het veld at is geen moment" in damaged.output, damaged.output


def _record_after(original: bytes):
    from narrowcast.state.history import _parse

    return _parse(original.splitlines()[1], 2)


def test_names_leave_the_log_after_the_retention_period_and_the_chain_still_holds(tmp_path: Path):
    from narrowcast.state import history

    from narrowcast.state.snapshots import save_snapshot

    root = _folder(tmp_path)
    snapshot = save_snapshot(root).id
    history.append(root, "voorstel", NOW - timedelta(days=400), {"voorgesteld": "anna"}, snapshot=snapshot)
    history.append(root, "voorstel", NOW, {"voorgesteld": "bert"}, snapshot=snapshot)
    assert erase_people(root, NOW - timedelta(days=365)) == 1
    old, new = read_log(root)
    assert old.people is None and old.salt is None and new.person("voorgesteld") == "bert"
    assert verify(root) == []
    assert "anna" not in log_path(root).read_text(encoding="utf-8")


def test_an_old_folder_s_users_keep_what_they_could_do(tmp_path: Path):
    import sqlite3

    root = _folder(tmp_path, "")
    db = root / ".state/narrowcast.db"
    with sqlite3.connect(db) as connection:  # the table as it was before roles
        connection.execute("DROP TABLE users")
        connection.execute("CREATE TABLE users (name TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL, "
                           "created REAL NOT NULL)")
        connection.execute("INSERT INTO users VALUES ('oud', x'00', x'00', 0)")
    assert Records(root).role("oud") == "eindredacteur"


def test_init_makes_a_folder_with_four_eyes(tmp_path: Path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "nieuw")])
    assert result.exit_code == 0 and "narrowcast approve" in result.output
    from narrowcast.content.load import load_config

    config = load_config(tmp_path / "nieuw")
    assert config.publishing == "review" and config.four_eyes is None
    assert "user add" in result.output and "--role eindredacteur" in result.output


@pytest.mark.parametrize("role", ["redacteur", "eindredacteur", "beheerder"])
def test_user_add_sets_the_role(tmp_path: Path, role: str):
    root = _folder(tmp_path, "")
    result = CliRunner().invoke(cli, ["-C", str(root), "user", "add", "dirk", "--role", role, "--password-stdin"],
                                input=PASSWORD + "\n")
    assert result.exit_code == 0 and f"dirk ({role})" in result.output
    again = CliRunner().invoke(cli, ["-C", str(root), "user", "add", "dirk", "--password-stdin"], input=PASSWORD + "\n")
    assert f"dirk ({role})" in again.output, "a new password keeps the role"
    assert f"dirk  ({role})" in _ok(root, "user", "list", at=None)
