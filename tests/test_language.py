"""Plain language (B1): the labelled corpus, each rule on small Dutch examples, reading time, example content."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from narrowcast.check import (
    LanguageRules,
    check_duration,
    check_slide_texts,
    check_text,
    classify,
    flesch_douma,
    flesch_douma_band,
    reading_seconds,
    syllables,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "plain_language.yaml"


def rules_of(findings, rule):
    return [f for f in findings if f.rule == rule]


# --- the corpus -----------------------------------------------------------------------------------

def agreement(corpus: list[dict], decide) -> dict[str, tuple[int, int]]:
    """Hits and totals overall, per label and per trap group."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in corpus:
        hit = decide(item["text"]) == item["label"]
        for group in ("overall", item["label"], item.get("trap")):
            if group:
                groups[group][0] += hit
                groups[group][1] += 1
    return {g: (h, n) for g, (h, n) in groups.items()}


def report(title: str, scores: dict[str, tuple[int, int]]) -> str:
    lines = [title] + [f"  {g:<16} {h:>3}/{n:<3} = {h / n:.1%}" for g, (h, n) in sorted(scores.items())]
    print("\n".join(lines))
    return "\n".join(lines)


def test_corpus_agreement_is_at_least_90_percent_and_traps_hold():
    corpus = yaml.safe_load(CORPUS.read_text("utf-8"))
    scores = agreement(corpus, classify)
    text = report("Plain-language corpus agreement (classify, default rules):", scores)
    hits, total = scores["overall"]
    assert hits / total >= 0.90, text
    # Length alone can't pass: short official sentences and long plain ones must both go right.
    for trap in ("short-official", "long-plain"):
        h, n = scores[trap]
        assert n >= 10 and h / n >= 0.75, text


def test_length_alone_does_not_decide():
    assert classify("Wij helpen u graag met al uw vragen over uw geld en over uw nieuwe werk.") == "plain"
    assert classify("Er geldt een kostendelersnorm.") == "official"


# --- sentence length ------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, words, severity", [
    ("Wij helpen u graag met uw vragen over uw geld.", 10, None),
    ("Wij helpen u graag met al uw vragen over uw geld.", 11, "warning"),
    ("Wij helpen u graag met al uw vragen over uw geld en over uw werk.", 15, "warning"),
    ("Wij helpen u graag met al uw vragen over uw geld en over uw nieuwe werk.", 16, "error"),
])
def test_sentence_length_warns_above_10_and_errs_above_15(sentence, words, severity):
    assert len(sentence.split()) == words
    found = rules_of(check_text(sentence), "sentence-length")
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_sentence_length_is_configurable_and_counts_per_sentence():
    text = "Wij helpen u graag met al uw vragen over uw geld."
    assert not rules_of(check_text(text, LanguageRules(sentence_warn=12, sentence_error=20)), "sentence-length")
    assert not rules_of(check_text("Heeft u een vraag? Wij helpen u graag met al uw vragen."), "sentence-length")


# --- syllables, long words, Flesch-Douma ----------------------------------------------------------

@pytest.mark.parametrize("word, count", [
    ("inlichtingenplicht", 5), ("formulierenbrigade", 7), ("uitkering", 3), ("over", 2),
    ("identiteit", 4), ("beëindiging", 4), ("cliënten", 3), ("geld", 1), ("januari", 4),
    ("re-integratie", 5), ("UWV", 3),
])
def test_syllables(word, count):
    assert syllables(word) == count


def test_long_word_warns_above_five_syllables_unless_allowed():
    found = rules_of(check_text("De formulierenbrigade helpt u gratis."), "long-word")
    assert [f.words for f in found] == ["formulierenbrigade"]
    assert found[0].severity == "warning"
    allowed = LanguageRules(allowed_words=("Formulierenbrigade",))
    assert not rules_of(check_text("De formulierenbrigade helpt u gratis.", allowed), "long-word")
    assert not rules_of(check_text("Uw inlichtingenplicht."), "long-word")  # 5 syllables is the limit


def test_flesch_douma_on_known_texts():
    # Wij(1) hel-pen(2) u(1) graag(1): 5 syllables, 4 words, 1 sentence.
    assert flesch_douma("Wij helpen u graag.") == pytest.approx(206.84 - 0.77 * 125 - 0.93 * 4, abs=0.1)
    # + de(1) for-mu-lie-ren-bri-ga-de(7) helpt(1) u(1) gra-tis(2): 17 syllables, 9 words, 2 sentences.
    score = flesch_douma("Wij helpen u graag. De formulierenbrigade helpt u gratis.")
    assert score == pytest.approx(206.84 - 0.77 * 100 * 17 / 9 - 0.93 * 4.5, abs=0.1)
    assert flesch_douma_band(score) == "redelijk moeilijk"
    assert [flesch_douma_band(s) for s in (95, 85, 75, 65, 55, 40, 10)] == [
        "zeer makkelijk", "makkelijk", "redelijk makkelijk", "gemiddeld", "redelijk moeilijk", "moeilijk",
        "zeer moeilijk"]


def test_slide_gets_flesch_douma_and_word_total():
    easy = check_slide_texts(["Welkom", "Wij helpen u graag."])
    assert not rules_of(easy, "flesch-douma") and not rules_of(easy, "slide-words")
    hard = check_slide_texts(["Uitkeringsverstrekking", "Herijking van het handhavingsinstrumentarium."])
    assert "zeer moeilijk" in rules_of(hard, "flesch-douma")[0].message
    steps = ["Wij helpen u graag met uw vragen over uw geld."] * 4  # 40 words
    assert [f.severity for f in rules_of(check_slide_texts(steps), "slide-words")] == ["warning"]
    assert [f.severity for f in rules_of(check_slide_texts(steps * 2), "slide-words")] == ["error"]


# --- passive and subordinate clauses --------------------------------------------------------------

@pytest.mark.parametrize("sentence", [
    "Uw aanvraag wordt door ons bekeken.",
    "Wijzigingen dienen onverwijld te worden gemeld.",
    "De folder wordt uitgedeeld aan de balie.",
    "Uw aanvraag is goedgekeurd.",
])
def test_passive_is_found(sentence):
    assert rules_of(check_text(sentence), "passive")


@pytest.mark.parametrize("sentence", [
    "Het is belangrijk.",
    "Het kantoor is gesloten op maandag.",
    "Dat is ingewikkeld.",
    "Er is iets veranderd.",
    "Hij is bekend bij ons.",
    "Er is nu meer ruimte om bij te verdienen.",
    "Met uw vermogen wordt niets gedaan.",  # "gedaan" is the participle, "uw vermogen" a noun
])
def test_is_plus_adjective_is_not_passive(sentence):
    found = rules_of(check_text(sentence), "passive")
    assert all("vermogen" not in f.words for f in found)
    if "gedaan" not in sentence:
        assert not found


def test_subordinate_clauses_only_when_stacked_or_in_a_long_sentence():
    assert not rules_of(check_text("Vertel het ons voordat u gaat."), "subclause")
    long = "Wij vragen u om uw loon door te geven, zodat wij uw uitkering goed kunnen berekenen."
    assert rules_of(check_text(long), "subclause")
    stacked = "Bel ons, omdat wij u helpen, zodat het klopt."
    assert "omdat" in rules_of(check_text(stacked), "subclause")[0].message


# --- officialese and abbreviations ----------------------------------------------------------------

def test_officialese_with_suggestion_and_inflected_form():
    found = rules_of(check_text("Indien u vragen heeft, bel ons."), "officialese")
    assert [f.words for f in found] == ["Indien"] and "als" in found[0].suggestion
    forms = rules_of(check_text("Wij hebben de papieren verstrekt."), "officialese")
    assert [f.words for f in forms] == ["verstrekt"] and "geven" in forms[0].suggestion
    phrase = rules_of(check_text("De beslagvrije voet wordt in acht genomen."), "officialese")
    assert {f.words for f in phrase} == {"beslagvrije voet", "in acht genomen"}


def test_officialese_is_whole_words_and_respects_the_notes():
    assert not rules_of(check_text("Wilt u een aanvraag indienen?"), "officialese")
    assert not rules_of(check_text("Welke papieren neemt u mee?"), "officialese")
    assert not rules_of(check_text("Wij overleggen met uw consulent."), "officialese")
    assert not rules_of(check_text("Wij kennen uw wensen."), "officialese")
    assert rules_of(check_text("Mocht u vragen hebben, bel ons."), "officialese")


def test_extra_officialese_and_allowed_words_from_the_content_folder():
    rules = LanguageRules(extra_officialese=(("werkplein", "het kantoor"),), allowed_words=("indien",))
    found = rules_of(check_text("Indien u wilt, kom naar het Werkplein.", rules), "officialese")
    assert [(f.words, f.suggestion) for f in found] == [("Werkplein", "Schrijf: het kantoor")]


def test_abbreviation_explained_or_not():
    assert [f.words for f in rules_of(check_text("Vraag het aan het UWV."), "abbreviation")] == ["UWV"]
    assert not rules_of(check_text("Vraag het aan het UWV (de instantie voor uitkeringen bij werkloosheid)."), "abbreviation")
    assert not rules_of(check_text("Dat staat in de Algemene wet bestuursrecht (Awb)."), "abbreviation")
    assert rules_of(check_text("Bel de GGD."), "abbreviation")  # unknown, 3 capitals
    # Case-sensitive entries: "een duo" is a plain word, DUO is the agency.
    assert not rules_of(check_text("Kom als duo naar het gesprek."), "abbreviation")
    assert rules_of(check_text("Vraag het aan DUO."), "abbreviation")
    assert rules_of(check_text("Wij bellen u m.b.t. uw afspraak."), "abbreviation")


def test_all_capitals():
    assert [f.words for f in rules_of(check_text("Kom NU naar de BALIE."), "all-caps")] == ["BALIE"]
    assert rules_of(check_text("WIJ HELPEN U GRAAG"), "all-caps")[0].message.startswith("De hele tekst")
    assert not rules_of(check_text("Vraag het aan het CJIB (de instantie die boetes int)."), "all-caps")


# --- reading time -------------------------------------------------------------------------------

def test_reading_time_is_three_seconds_plus_90_words_a_minute():
    assert reading_seconds([]) == 0
    assert reading_seconds(["Verandert er iets?", "Geef het binnen 1 week aan ons door."]) == pytest.approx(3 + 11 / 1.5)
    texts = ["Wij helpen u graag met uw vragen over uw geld."] * 3  # 30 words: 3 s + 20 s
    assert reading_seconds(texts) == pytest.approx(23)
    assert not check_duration(texts, 23)
    (short,) = check_duration(texts, 15)
    assert short.rule == "reading-time" and short.severity == "error" and "23" in short.suggestion


# --- the example content ------------------------------------------------------------------------

def dutch_slides() -> list[tuple[str, list[str]]]:
    """(where, Dutch texts) for every example slide and law text; translations are other languages."""
    found = []

    def texts(d):
        return [t for t in [d.get("title"), d.get("text"), d.get("highlight"),
                            *[s.get("text") for s in d.get("steps") or []]] if t]

    for path in sorted((REPO / "slides").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            if doc:
                found.append((f"{path.name}:{doc['id']}", texts(doc)))
    for path in sorted((REPO / "laws").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        found += [(f"{path.name}:{part}", texts(doc[part])) for part in ("before", "after") if doc.get(part)]
    return found


def test_example_content_has_no_language_errors():
    slides = dutch_slides()
    assert len(slides) >= 20
    errors = [(where, f.rule, f.words) for where, texts in slides
              for f in check_slide_texts(texts) if f.severity == "error"]
    assert errors == []


def test_remembered_findings_are_the_same_and_only_changed_slides_are_checked_again(tmp_path: Path, monkeypatch):
    """check.content.FindingsMemo: same findings as a fresh check; a saved slide, other `checks:`
    settings or another checking code make those slides be checked again."""
    import narrowcast.check.content as content
    from narrowcast.content.load import load_site

    from .conftest import copy_example

    root = copy_example(tmp_path / "inhoud")
    memo = tmp_path / "checks.memo"
    checked: list[str] = []
    real = content._slide_findings
    monkeypatch.setattr(content, "_slide_findings", lambda slide, *a: checked.append(slide.id) or real(slide, *a))

    def run() -> list:
        checked.clear()
        return sorted(content.language_findings(load_site(root)[0], memo))

    fresh = sorted(content.language_findings(load_site(root)[0]))
    assert run() == fresh and len(checked) > 30  # first run: everything, and the memo is written
    assert run() == fresh and checked == []      # nothing changed: nothing checked
    slide = root / "slides/welkom.yaml"
    slide.write_text(slide.read_text(encoding="utf-8").replace("title: ", "title: Kom middels de hoofdingang. ", 1),
                     encoding="utf-8")
    changed = run()
    assert checked == ["welkom"]
    assert changed == sorted(content.language_findings(load_site(root)[0]))
    assert any(f.file == "slides/welkom.yaml" and "middels" in f.message for f in changed)
    config = root / "narrowcast.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("checks:", "checks:\n  sentence_warn: 6", 1),
                      encoding="utf-8")
    assert run() == sorted(content.language_findings(load_site(root)[0])) and len(checked) > 30
    monkeypatch.setattr(content, "_checks_stamp", lambda: "een-nieuwere-narrowcast")
    run()
    assert len(checked) > 30
    memo.write_text("{kapot", encoding="utf-8")  # an unreadable memo counts as empty
    assert run() == sorted(content.language_findings(load_site(root)[0]))


def test_parsed_hyphenation_patterns_are_kept_per_machine_and_a_bad_copy_is_parsed_again(tmp_path: Path, monkeypatch):
    import pyphen

    from narrowcast.assets import hyphenation

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = pyphen.LANGUAGES["nl_NL"]
    expected = pyphen.Pyphen(filename=path, cache=False).inserted("arbeidsongeschiktheidsuitkering")

    def fresh() -> str:
        hyphenation.hyphenator.cache_clear()
        monkeypatch.delitem(pyphen.hdcache, path, raising=False)
        return hyphenation.hyphenator("nl_NL").inserted("arbeidsongeschiktheidsuitkering")

    assert fresh() == expected
    stored = list((tmp_path / "narrowcast").glob("hyphenation-hyph_nl_NL-*.pickle"))
    assert len(stored) == 1
    parsed = []
    real_init = pyphen.HyphDict.__init__
    monkeypatch.setattr(pyphen.HyphDict, "__init__", lambda self, p: parsed.append(p) or real_init(self, p))
    assert fresh() == expected and parsed == []  # from the stored copy
    stored[0].write_bytes(b"kapot")
    assert fresh() == expected and parsed == [path]  # parsed again, and stored again
    assert stored[0].read_bytes() != b"kapot"
