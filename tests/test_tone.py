"""Human tone: the labelled corpus, the listed words and the threatening forms, and the example content."""

from __future__ import annotations

from pathlib import Path

import yaml

from narrowcast.check import check_tone, classify_tone
from tests.test_language import agreement, dutch_slides, report

CORPUS = Path(__file__).resolve().parent / "corpus" / "tone.yaml"


def test_tone_corpus_agreement_is_at_least_85_percent():
    corpus = yaml.safe_load(CORPUS.read_text("utf-8"))
    scores = agreement(corpus, classify_tone)
    text = report("Tone corpus agreement (classify_tone):", scores)
    hits, total = scores["overall"]
    assert hits / total >= 0.85, text
    # Neither side may be given up for the other.
    for label in ("friendly", "threatening"):
        h, n = scores[label]
        assert h / n >= 0.75, text


def test_u_moet_is_flagged_with_a_friendlier_phrasing():
    (found,) = check_tone("U moet uw loon doorgeven.")
    assert found.rule == "tone" and found.words == "U moet"
    assert "wilt u" in found.suggestion
    assert classify_tone("U moet uw loon doorgeven.") == "threatening"


def test_u_moet_in_a_neutral_question_is_fine():
    assert not check_tone("Moet u geld terugbetalen?")


def test_fraude_and_its_forms():
    assert [f.words for f in check_tone("Fraude wordt bestraft.")] == ["Fraude", "bestraft"]
    assert [f.words for f in check_tone("Dat is uitkeringsfraude.")] == ["uitkeringsfraude"]
    assert "fout" in check_tone("Fraude.")[0].suggestion


def test_a_negated_hard_word_reassures():
    assert not check_tone("Een vergissing is geen fraude.")
    assert classify_tone("Een vergissing is geen fraude. Vertel het ons, dan lossen we het samen op.") == "friendly"


def test_exclamation_mark_but_not_a_greeting():
    assert [f.rule for f in check_tone("Geef het door!")] == ["exclamation"]
    assert not check_tone("Welkom!")


def test_capitals_shout():
    assert [f.words for f in check_tone("Kom NU naar de BALIE.")] == ["BALIE"]
    assert not check_tone("Vraag het aan het UWV.")


def test_anders_only_as_a_threat():
    assert [f.words for f in check_tone("Geef het door, anders stoppen wij.")] == ["anders"]
    assert not check_tone("Rond kerst zijn wij anders open.")
    assert not check_tone("Wilt u iets anders vragen?")


def test_threatening_forms_without_a_listed_word():
    assert check_tone("Wie niet meewerkt, krijgt daar last van.")
    assert check_tone("Doe het goed, of het kost u geld.")
    assert check_tone("Geen papieren? Dan geen geld.")
    assert not check_tone("Bel ons, of kom langs.")
    assert not check_tone("Wie kan mij helpen?")


def test_help_outweighs_a_hard_word():
    assert classify_tone("Wilt u een boete voorkomen? Wij helpen u graag.") == "friendly"
    assert classify_tone("Let op! Misbruik leidt tot een boete.") == "threatening"


def test_example_content_has_no_tone_errors():
    errors = [(where, f.words) for where, texts in dutch_slides()
              for t in texts for f in check_tone(t) if f.severity == "error"]
    assert errors == []
    # And no example text reads as threatening.
    assert [t for _, texts in dutch_slides() for t in texts if classify_tone(t) == "threatening"] == []
