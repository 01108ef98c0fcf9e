"""Four-eyes publishing under attack: what a hostile review of issue 15 tried, and what must hold."""

from __future__ import annotations

import json
import os
from pathlib import Path

from narrowcast.review import flow
from narrowcast.review.changes import file_changes
from narrowcast.state.history import read_log
from narrowcast.state.snapshots import content_files, save_snapshot, store_dir

from .test_build import browser
from .test_publishing import _cli, _folder, _items, _manifest, _ok, _refused, _title


@browser
def test_a_rejection_cannot_land_while_an_approval_of_it_is_building(tmp_path: Path, monkeypatch):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    monkeypatch.setenv("NARROWCAST_BUILD_WAIT", "0")  # a second step gives up at once instead of waiting
    during: list[str] = []
    real_build = flow.build

    def build_and_meanwhile_reject(*args, **kwargs):
        try:
            flow.reject(root, 1, "carla", "Nee, dit klopt niet", flow_now())
            during.append("afgewezen")
        except Exception as exc:  # noqa: BLE001 - what the colleague is told
            during.append(str(exc))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(flow, "build", build_and_meanwhile_reject)
    _ok(root, "approve", "1", "--user", "bert")
    assert len(during) == 1 and "er loopt al een publicatiestap" in during[0], during
    assert [r.kind for r in read_log(root)] == ["voorstel", "publicatie"], "no rejection beside the approval"
    _refused(root, "reject", "1", "--user", "carla", "--reason", "te laat", words="voorstel 1 is al goedgekeurd")


def flow_now():
    from .test_publishing import NOW

    return NOW


@browser
def test_an_edited_unpacked_tree_is_not_what_gets_approved(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    proposal = read_log(root)[0]
    tree = store_dir(root) / "trees" / proposal.snapshot
    assert tree.is_dir(), "the check build unpacked it"
    (tree / "slides/wijzigingen.yaml").write_text(
        (tree / "slides/wijzigingen.yaml").read_text(encoding="utf-8").replace("Verandert er iets?", "GESLOTEN"),
        encoding="utf-8")
    (tree / "slides/extra.yaml").write_text("id: extra\ntitle: Ingevoegd\ntext: Niet voorgesteld.\nicon: bell\n",
                                           encoding="utf-8")
    _ok(root, "approve", "1", "--user", "bert")
    assert _items(root) == ["Verandert er iets?"], "the approval publishes the proposed snapshot, not an edited copy"
    assert not (tree / "slides/extra.yaml").exists()


@browser
def test_switching_from_direct_to_review_never_puts_an_old_state_back(tmp_path: Path):
    from .conftest import MINIMAL_SITE

    root = _folder(tmp_path, "")
    _ok(root, "publish", "--user", "anna")  # direct: published and recorded
    _title(root, "Later, direct opgeslagen")
    _ok(root, "build", "-q", at=None)  # direct builds are not in the log
    before = (root / "output/screens/hal/manifest.json").read_bytes()
    (root / "narrowcast.yaml").write_text(MINIMAL_SITE + "publishing: review\n", encoding="utf-8")
    _refused(root, "build", "-q", words="er is nog niets goedgekeurd")
    assert (root / "output/screens/hal/manifest.json").read_bytes() == before, "the screens keep what they show"
    _ok(root, "publish", "--user", "anna")
    _ok(root, "approve", "2", "--user", "bert")
    assert _items(root) == ["Later, direct opgeslagen"]


@browser
def test_messages_and_reasons_carry_no_terminal_codes_and_stale_proposals_can_be_withdrawn(tmp_path: Path):
    root = _folder(tmp_path)
    _refused(root, "publish", "--user", "anna", "--message", "kijk \x1b[8m verborgen", words="stuurteken (U+001B)")
    _refused(root, "publish", "--user", "anna", "--reason", "zonder force", words="--reason hoort bij --force")
    assert read_log(root) == []
    _ok(root, "publish", "--user", "anna")
    _title(root, "Toch anders")
    _refused(root, "reject", "1", "--user", "anna", "--reason", "a\x07b", words="stuurteken (U+0007)")
    assert "Voorstel 1 is afgewezen" in _ok(root, "reject", "1", "--user", "anna", "--reason", "ingetrokken")
    assert json.loads(_ok(root, "proposals", "--format", "json"))["proposals"] == []


@browser
def test_rolling_back_to_what_is_live_is_refused(tmp_path: Path):
    root = _folder(tmp_path)
    _ok(root, "publish", "--user", "anna")
    _ok(root, "approve", "1", "--user", "bert")
    before = _manifest(root)
    _refused(root, "rollback", "2", "--user", "bert", words="publicatie 2 staat al live")
    assert len(read_log(root)) == 2 and _manifest(root) == before


def test_a_link_into_the_state_folder_is_never_copied_into_the_store(tmp_path: Path):
    root = _folder(tmp_path)
    (root / ".state/narrowcast.db").exists() or (root / ".state").mkdir(exist_ok=True)
    os.symlink(root / ".state/narrowcast.db", root / "slides/gebruikers.yaml")
    os.symlink(root / "slides", root / "slides/lus")  # a loop
    (root / "slides/kopie.yaml").symlink_to(root / "slides/wijzigingen.yaml")  # inside: counts
    assert sorted(content_files(root)) == ["narrowcast.yaml", "playlists/werkplein.yaml", "slides/kopie.yaml",
                                           "slides/wijzigingen.yaml"]
    assert "slides/gebruikers.yaml" not in save_snapshot(root).files


def test_a_replaced_picture_or_theme_file_is_a_change_in_words():
    old = {"narrowcast.yaml": "a", "slides/x.yaml": "b", "images/kaart.png": "c", "themes/huis/theme.css": "d"}
    new = {"narrowcast.yaml": "a2", "slides/x.yaml": "b2", "images/kaart.png": "c2", "themes/huis/theme.css": "d",
           "images/nieuw.png": "e"}
    found = [(c.what, c.id, c.summary) for c in file_changes(old, new)]
    assert found == [("afbeelding", "images/kaart.png", "vervangen"), ("afbeelding", "images/nieuw.png", "nieuw")]
    gone = [(c.what, c.id, c.summary) for c in file_changes(new, old)]
    assert ("afbeelding", "images/nieuw.png", "weg") in gone
    assert [c.summary for c in file_changes(old, {**old, "themes/huis/theme.css": "z"})] == ["vervangen"]


def test_a_draft_cannot_shorten_how_long_names_are_kept(tmp_path: Path):
    """history_days of the approved settings counts; the working copy's only where nothing is approved."""
    from datetime import timedelta

    from narrowcast.state import history

    from .conftest import MINIMAL_SITE
    from .test_publishing import NOW

    root = _folder(tmp_path)
    snapshot = save_snapshot(root).id
    history.append(root, "voorstel", NOW - timedelta(days=30), {"voorgesteld": "anna"}, snapshot=snapshot)
    history.append(root, "publicatie", NOW - timedelta(days=29), {"voorgesteld": "anna", "goedgekeurd": "bert"},
                   proposal=1, snapshot=snapshot)
    (root / "narrowcast.yaml").write_text(MINIMAL_SITE + "publishing: review\nhistory_days: 1\n", encoding="utf-8")
    assert flow.forget_names(root, NOW) == 0
    assert read_log(root)[0].person("voorgesteld") == "anna"


def test_verify_finds_a_stored_file_that_was_changed(tmp_path: Path):
    root = _folder(tmp_path)
    snapshot = save_snapshot(root)
    from narrowcast.state import history
    from .test_publishing import NOW

    history.append(root, "voorstel", NOW, {"voorgesteld": "anna"}, snapshot=snapshot.id)
    assert history.verify(root) == []
    digest = snapshot.files["slides/wijzigingen.yaml"]
    stored = store_dir(root) / "objects" / digest[:2] / digest[2:]
    stored.chmod(0o644)
    stored.write_text("id: anders\n", encoding="utf-8")
    problems = history.verify(root)
    assert len(problems) == 1 and "record 1" in problems[0] and "past niet meer bij de naam" in problems[0]
    result = _cli(root, "history", "--verify")
    assert result.exit_code == 1 and "Traceback" not in result.output
