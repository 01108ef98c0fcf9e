"""The malformed-content corpus: each case names the exact place and the Dutch message, and exits 1.

Each case starts from the minimal valid folder (conftest.MINIMAL_*) and overwrites or adds files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrowcast.commands.cli import cli

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, MINIMAL_SLIDE, write_files


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    where: str  # file:line:column of the error
    message: str  # a part of the Dutch message that tells the fix
    symlinks: dict[str, str] = field(default_factory=dict)  # link -> target (absolute or relative)


SLIDE = "slides/wijzigingen.yaml"
PLAYLIST = "playlists/werkplein.yaml"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
) + "id: bom\ntitle: Bom\n"

CASES = [
    Case("broken-yaml-quote", {SLIDE: 'id: x\ntitle: "Verandert er iets?\ntext: Geef het door.\n'},
         f"{SLIDE}:2:8", "aanhalingsteken wordt niet afgesloten"),
    Case("tab-indent", {SLIDE: "id: x\ntitle: Verandert er iets?\nsteps:\n\t- Bel ons.\n"},
         f"{SLIDE}:4:1", "tab"),
    Case("wrong-type-duration", {SLIDE: MINIMAL_SLIDE + "duration: twaalf\n"},
         f"{SLIDE}:5:11", "'twaalf' is geen heel getal"),
    Case("wrong-type-title-list", {SLIDE: "id: wijzigingen-doorgeven\ntitle:\n  - Verandert\n  - er iets?\n"},
         f"{SLIDE}:3:3", "hier hoort één waarde"),
    Case("missing-title", {SLIDE: "id: wijzigingen-doorgeven\ntext: Geef het door.\n"},
         f"{SLIDE}:1:1", "'title' ontbreekt"),
    Case("unknown-slide-in-playlist", {PLAYLIST: MINIMAL_PLAYLIST + "  - slide: wijzigingen-doorgevn\n"},
         f"{PLAYLIST}:5:12", "dia 'wijzigingen-doorgevn' bestaat niet; bedoelde u 'wijzigingen-doorgeven'?"),
    Case("unknown-tag-in-playlist", {PLAYLIST: MINIMAL_PLAYLIST + "  - tag: plichten\n"},
         f"{PLAYLIST}:5:10", "tag 'plichten' bestaat niet"),
    Case("unknown-icon", {SLIDE: MINIMAL_SLIDE.replace("icon: bell", "icon: bel-x")},
         f"{SLIDE}:4:7", "icoon 'bel-x' bestaat niet; bedoelde u 'bel'?"),
    Case("missing-image", {SLIDE: MINIMAL_SLIDE + "image: images/foto.png\n"},
         f"{SLIDE}:5:8", "afbeelding 'images/foto.png' bestaat niet"),
    Case("image-outside-dotdot", {SLIDE: MINIMAL_SLIDE + "image: ../geheim.png\n", "../geheim.png": b"\x89PNG"},
         f"{SLIDE}:5:8", "buiten de inhoudsmap"),
    Case("image-absolute", {SLIDE: MINIMAL_SLIDE + "image: /etc/hostname\n"},
         f"{SLIDE}:5:8", "buiten de inhoudsmap"),
    Case("image-symlink-outside", {SLIDE: MINIMAL_SLIDE + "image: images/logo.png\n", "../buiten.png": b"\x89PNG"},
         f"{SLIDE}:5:8", "via een snelkoppeling (symlink)", symlinks={"images/logo.png": "../../buiten.png"}),
    Case("duplicate-slide-id", {"slides/nog-een.yaml": "id: wijzigingen-doorgeven\ntitle: Nog een keer\n"},
         f"{SLIDE}:1:5", "dia-id 'wijzigingen-doorgeven' bestaat al in slides/nog-een.yaml:1"),
    Case("impossible-date", {SLIDE: MINIMAL_SLIDE + "valid_from: 2026-02-30\n"},
         f"{SLIDE}:5:13", "datum '2026-02-30' bestaat niet"),
    Case("until-before-from", {SLIDE: MINIMAL_SLIDE + "valid_from: 2026-07-01\nvalid_until: 2026-06-01\n"},
         f"{SLIDE}:6:14", "valid_until ligt vóór valid_from"),
    Case("yaml-object-tag", {SLIDE: MINIMAL_SLIDE + "highlight: !!python/object/apply:os.system [echo hoi]\n"},
         f"{SLIDE}:5:12", "YAML-tag '!!python/object/apply:os.system' is niet toegestaan"),
    Case("alias-bomb", {SLIDE: BOMB}, f"{SLIDE}:1:1", "te veel waarden"),
    Case("non-utf8", {SLIDE: "id: wijzigingen-doorgeven\ntitle: Caf\xe9\n".encode("latin-1")},
         f"{SLIDE}:2:11", "geen UTF-8"),
    Case("javascript-qr", {SLIDE: MINIMAL_SLIDE + "qr: javascript:alert(1)\n"},
         f"{SLIDE}:5:5", "geen webadres"),
    Case("bad-slug", {SLIDE: MINIMAL_SLIDE.replace("id: wijzigingen-doorgeven", "id: Wijzigingen Doorgeven")},
         f"{SLIDE}:1:5", "bijvoorbeeld 'wijzigingen-doorgeven'"),
    Case("unknown-playlist-on-screen", {"narrowcast.yaml": MINIMAL_SITE.replace("playlist: werkplein", "playlist: werkpleinn")},
         "narrowcast.yaml:8:15", "afspeellijst 'werkpleinn' bestaat niet; bedoelde u 'werkplein'?"),
    Case("bad-resolution", {"narrowcast.yaml": MINIMAL_SITE.replace("1920x1080", "1920 bij 1080")},
         "narrowcast.yaml:5:17", "bijvoorbeeld 1920x1080"),
    Case("unknown-timezone", {"narrowcast.yaml": "timezone: Europe/Amsterdan\n" + MINIMAL_SITE},
         "narrowcast.yaml:1:11", "tijdzone 'Europe/Amsterdan' bestaat niet"),
    Case("duplicate-key", {SLIDE: MINIMAL_SLIDE + "title: Nog een titel\n"},
         f"{SLIDE}:5:1", "veld 'title' staat twee keer"),
    Case("impossible-hours", {SLIDE: MINIMAL_SLIDE + "hours: '25:00-26:00'\n"},
         f"{SLIDE}:5:8", "uren gaan van 0 tot 24"),
    Case("unknown-day", {SLIDE: MINIMAL_SLIDE + "days: [ma, maandagg]\n"},
         f"{SLIDE}:5:7", "'maandagg' is geen dag"),
    Case("steps-without-steps", {SLIDE: MINIMAL_SLIDE + "layout: steps\n"},
         f"{SLIDE}:5:9", "2 tot 6 stappen"),
    Case("unknown-layout", {SLIDE: MINIMAL_SLIDE + "layout: standaard\n"},
         f"{SLIDE}:5:9", "'standaard' kan hier niet; kies uit: standard"),
    Case("no-screens", {"narrowcast.yaml": "site: Testlocatie\n"},
         "narrowcast.yaml:1:1", "'screens' ontbreekt"),
    Case("comma-decimal", {"narrowcast.yaml": MINIMAL_SITE.replace("distance: 4", "distance: 4,5")},
         "narrowcast.yaml:7:15", "'4,5' is geen getal"),
    Case("year-beyond-the-calendar", {SLIDE: MINIMAL_SLIDE + "valid_until: 9999-12-31\n"},
         f"{SLIDE}:5:14", "het jaar 9999 kan niet; kies een jaar van 1900 tot en met 9000"),
    Case("offset-beyond-a-day", {SLIDE: MINIMAL_SLIDE + "valid_from: 2026-07-01 09:00+25:00\n"},
         f"{SLIDE}:5:13", "het tijdverschil in '2026-07-01 09:00+25:00' kan niet"),
    Case("nul-byte", {"slides/nul.yaml": b"id: nul\ntitle: N\x00ul\n"},
         "slides/nul.yaml:2:9", "er staat een teken in dat niet in een tekstbestand hoort"),
    Case("image-with-nul", {SLIDE: MINIMAL_SLIDE + 'image: "images/a\\0b.png"\n'},
         f"{SLIDE}:5:8", "afbeelding 'images/a\x00b.png' kan niet gelezen worden"),
    Case("image-name-too-long", {SLIDE: MINIMAL_SLIDE + "image: images/" + "a" * 5000 + ".png\n"},
         f"{SLIDE}:5:8", "kan niet gelezen worden"),
    Case("endless-word", {SLIDE: MINIMAL_SLIDE + "highlight: " + "Bijstand" * 12 + "\n"},
         f"{SLIDE}:5:12", "een woord van meer dan 80 tekens zonder spatie ('BijstandBijstandBijs…') past op geen scherm"),
    Case("image-not-an-image", {SLIDE: MINIMAL_SLIDE + "image: images/foto.png\n", "images/foto.png": "geen plaatje\n"},
         f"{SLIDE}:5:8", "'images/foto.png' is geen leesbare afbeelding"),
    Case("image-cut-off", {SLIDE: MINIMAL_SLIDE + "image: images/logo.png\n",
                           "images/logo.png": (Path(__file__).parents[1] / "images/formulier-pictogram.png").read_bytes()[:300]},
         f"{SLIDE}:5:8", "'images/logo.png' is geen leesbare afbeelding"),
    # 1,500 levels: libyaml refuses beyond 1,000 and the pure-Python composer would recurse too deep.
    Case("deep-nesting-slide", {"slides/diep.yaml": "id: diep\ntitle: Diep\ntext: " + "[" * 1500 + "]" * 1500 + "\n"},
         "slides/diep.yaml:3:47", "te diep genest"),
    Case("deep-nesting-block", {"slides/diep.yaml": "- " * 1500 + "x\n"},
         "slides/diep.yaml:1:83", "te diep genest"),
    Case("deep-nesting-playlist", {PLAYLIST: MINIMAL_PLAYLIST + "  - slide: " + "[" * 1500 + "]" * 1500 + "\n"},
         f"{PLAYLIST}:5:50", "te diep genest"),
    Case("deep-nesting-config", {"narrowcast.yaml": MINIMAL_SITE + "checks:\n  allowed_words: " + "{a: " * 1500 + "}" * 1500 + "\n"},
         "narrowcast.yaml:10:174", "te diep genest"),
    Case("right-to-left-override-in-title", {SLIDE: MINIMAL_SLIDE.replace("title: Verandert er iets?",
                                                                          'title: "Verandert er \\u202Eiets?"')},
         f"{SLIDE}:2:8", "onzichtbaar teken U+202E"),
    Case("bidi-isolate-in-step", {SLIDE: MINIMAL_SLIDE + "steps:\n  - Bel ons.\n  - Kom langs\u2067 bij ons.\n"},
         f"{SLIDE}:7:5", "onzichtbaar teken U+2067"),
    Case("hidden-tag-characters-in-text", {SLIDE: MINIMAL_SLIDE.replace("door.", "door.\U000E0069\U000E0067")},
         f"{SLIDE}:3:7", "onzichtbaar teken U+E0069"),
]


def _folder(tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "inhoud"
    write_files(root, {"narrowcast.yaml": MINIMAL_SITE, SLIDE: MINIMAL_SLIDE, PLAYLIST: MINIMAL_PLAYLIST})
    for name, content in case.files.items():
        write_files(tmp_path if name.startswith("../") else root, {name.removeprefix("../"): content})
    for link, target in case.symlinks.items():
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / link)
    return root


def test_corpus_is_large_enough():
    assert len(CASES) >= 20
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_case_points_at_file_line_and_fix(tmp_path: Path, case: Case):
    root = _folder(tmp_path, case)
    result = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "a user's mistake must not raise"
    assert "Traceback" not in result.output
    matching = [line for line in result.output.splitlines() if line.startswith(case.where + ": fout")]
    assert matching, f"no error at {case.where}:\n{result.output}"
    assert any(case.message in line for line in matching), f"expected '{case.message}' in:\n{result.output}"


@pytest.mark.parametrize("case", CASES[:5], ids=[c.name for c in CASES[:5]])
def test_json_output_carries_the_same_places(tmp_path: Path, case: Case):
    root = _folder(tmp_path, case)
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["errors"] >= 1
    places = {f"{f['file']}:{f['line']}:{f['column']}" for f in report["findings"] if f["severity"] == "error"}
    assert case.where in places


def test_all_errors_are_reported_in_one_run(tmp_path: Path):
    """Mistakes in three files come out together, not one per run."""
    case = Case("many", {
        SLIDE: MINIMAL_SLIDE.replace("icon: bell", "icon: bel-x") + "duration: twaalf\n",
        "slides/tweede.yaml": "id: tweede\ntitle: Tweede\nqr: ftp://example.nl\n",
        PLAYLIST: MINIMAL_PLAYLIST + "  - slide: bestaat-niet\n",
    }, "", "")
    result = CliRunner().invoke(cli, ["-C", str(_folder(tmp_path, case)), "check"])
    errors = [line for line in result.output.splitlines() if ": fout: " in line]
    assert {line.split(":")[0] for line in errors} == {SLIDE, "slides/tweede.yaml", PLAYLIST}
    assert result.exit_code == 1


def test_unknown_key_warns_with_suggestion_and_still_passes(minimal: Path):
    (minimal / SLIDE).write_text(MINIMAL_SLIDE + "titel: Nog een titel\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check"])
    assert f"{SLIDE}:5:1: waarschuwing: titel: onbekend veld 'titel'; bedoelde u 'title'?" in result.output
    assert result.exit_code == 0
    strict = CliRunner().invoke(cli, ["-C", str(minimal), "check", "--strict"])
    assert strict.exit_code == 1


def test_marks_that_arabic_and_persian_text_need_are_allowed(minimal: Path):
    """The right-to-left mark, the Arabic letter mark and the zero-width non-joiner (Persian) are
    ordinary parts of right-to-left text: they reorder nothing and hide nothing."""
    (minimal / SLIDE).write_text(MINIMAL_SLIDE + "translations:\n  ar:\n    title: \"هل تغير شيء؟\u200f\"\n"
                                 "    text: \"بطاقة الهوية (ID)\u061c.\"\n  fa:\n    title: \"می\u200cخواهید\"\n",
                                 encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check", "--no-render"])
    assert result.exit_code == 0, result.output


def test_an_endless_word_is_one_no_line_can_break():
    """Found by the studio's review: one word of 60,000 letters held the renderer for 50 s. Scripts a
    browser breaks anywhere (Chinese, Japanese, Thai …) have long runs without spaces by nature."""
    from narrowcast.content.fields import long_word_problem

    assert long_word_problem("a" * 81) and long_word_problem("Zie " + "x" * 100 + " hier")
    for fine in ("a" * 80, "wacht-" * 30, "lang\u00adwoord" * 20, "请在叫号后到柜台办理您的申请" * 20,
                 "กรุณารอจนกว่าจะถูกเรียกชื่อของคุณ" * 5, "お名前が呼ばれるまでお待ちください" * 10, "Wij helpen u. " * 50):
        assert long_word_problem(fine) is None, fine[:30]
    # A QR link is an address, not a text to fit: a long one stays allowed.
    from narrowcast.content.fields import parse_url
    long_link = "https://www.uwv.nl/particulieren/formulieren/wijzigingsformulier_werkloosheidsuitkering_aanvragen"
    assert parse_url(long_link) == long_link


def test_minimal_slide_of_the_product_brief_is_valid(minimal: Path):
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check"])
    assert result.exit_code == 0, result.output
    assert "0 fouten" in result.output


@pytest.mark.parametrize("levels", [500, 1500])
@pytest.mark.parametrize("parser", ["libyaml", "python"])
def test_deep_nesting_is_one_finding_with_both_parsers(monkeypatch, tmp_path: Path, parser: str, levels: int):
    """Deep nesting is reported at the level that is too deep, whichever parser reads it (libyaml
    composes 500 levels itself and refuses 1,500; the pure-Python composer must stop in time)."""
    import narrowcast.yamlsource as ys

    if parser == "python":
        monkeypatch.setattr(ys, "_FAST_LOADER", None)
    case = Case("deep", {"slides/diep.yaml": "id: diep\ntitle: Diep\ntext: " + "[" * levels + "]" * levels + "\n"}, "", "")
    result = CliRunner().invoke(cli, ["-C", str(_folder(tmp_path, case)), "check", "--no-render"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "slides/diep.yaml:3:47: fout: text" in result.output and "te diep genest" in result.output


@pytest.mark.parametrize("written, message", [
    ("2027-03-28 02:30", "2027-03-28 02:30 bestaat niet (zomertijd); het wordt 03:30"),
    ("2026-10-25 02:30", "2026-10-25 02:30 komt twee keer voor (de klok gaat terug); het wordt de eerste keer, "
                         "in zomertijd. Bedoelt u de tweede keer, schrijf dan 2026-10-25 02:30+01:00"),
])
def test_a_clock_time_daylight_saving_skips_or_repeats_is_a_warning_saying_what_it_becomes(
        minimal: Path, written: str, message: str):
    (minimal / SLIDE).write_text(MINIMAL_SLIDE + f"valid_from: {written}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check", "--no-render"])
    assert result.exit_code == 0, result.output
    assert f"{SLIDE}:5:13: waarschuwing: valid_from: {message}" in result.output
    (minimal / SLIDE).write_text(MINIMAL_SLIDE + f"valid_from: {written}+01:00\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check", "--no-render"])
    assert "zomertijd" not in result.output, "a time written with its offset is exact"
