"""Plain-language check (taalniveau B1) for the Dutch texts on a slide: pure functions over strings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


from ..yamlsource import load_plain
from .readability import (is_capitals, is_number, flesch_douma, flesch_douma_band, sentence_spans, syllables,
                          word_spans, words)

Span = tuple[int, int]


@dataclass(frozen=True)
class TextFinding:
    """One thing that makes a text harder (or less friendly) than it needs to be."""

    rule: str
    severity: str  # "error" | "warning"
    message: str
    words: str
    suggestion: str | None = None
    # Where the words stand in the checked text, as (start, end) character offsets: one per place
    # (a word used twice has two), found by the check's own tokens. Empty for a finding about
    # several texts (a slide's word total). Not compared: the same finding is the same advice.
    spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    # The list's plain alternative as written there ("als", "met / via"), when the finding has one.
    plain: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LanguageRules:
    """The limits of one content folder (narrowcast.yaml `checks:`)."""

    sentence_warn: int = 10
    sentence_error: int = 15
    slide_words_warn: int = 30
    slide_words_error: int = 45
    long_word_syllables: int = 5
    flesch_douma_warn: float = 60.0
    extra_officialese: tuple = ()
    allowed_words: tuple = ()


DEFAULT_RULES = LanguageRules()

# --- the officialese list ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    phrase: tuple[str, ...]  # words, lower case unless case_sensitive
    written: str             # the list's spelling of the entry
    plain: str
    kind: str
    case_sensitive: bool = False


def _phrase(text: str, case_sensitive: bool) -> tuple[str, ...]:
    return tuple(w if case_sensitive else w.lower() for w in words(text))


def load_list(name: str) -> list[dict]:
    """A word list shipped in narrowcast/check/data/ (officialese.yaml, tone.yaml)."""
    return load_plain(resources.files("narrowcast.check").joinpath("data", name).read_text("utf-8"))


@lru_cache(maxsize=8)
def _officialese(extra: tuple) -> tuple[_Entry, ...]:
    entries = []
    for item in load_list("officialese.yaml") + [{"word": w, "plain": p, "kind": "officialese"} for w, p in extra]:
        exact = bool(item.get("case_sensitive"))
        for form in [item["word"], *item.get("forms", [])]:
            entries.append(_Entry(_phrase(str(form), exact), str(item["word"]), str(item["plain"]),
                                  item.get("kind", "officialese"), exact))
    # Longest first, so "sociale incasso" wins over "incasso".
    return tuple(sorted(entries, key=lambda e: -len(e.phrase)))


def _extra(rules: LanguageRules) -> tuple:
    # Hashable for the cache, whether the pairs came as tuples or as lists from YAML.
    return tuple((str(word), str(plain)) for word, plain in rules.extra_officialese)


def _abbreviations(extra: tuple = ()) -> tuple[_Entry, ...]:
    # Only the entries' own spelling: a text is split at hyphens, so "IB-signalen" shows "IB".
    return tuple(e for e in _officialese(extra)
                 if e.kind == "abbreviation" and e.phrase == _phrase(e.written, e.case_sensitive))


def is_known_abbreviation(word: str, extra: tuple = ()) -> bool:
    """True for an abbreviation in the list (UWV, DUO), respecting its case_sensitive flag."""
    return any(word == e.written or (not e.case_sensitive and word.lower() == e.written.lower())
               for e in _abbreviations(extra))


def find_phrases(tokens: list[str], phrases) -> list[tuple[int, int, object]]:
    """Whole-word matches (start, end, entry) of entries with `.phrase` and `.case_sensitive`."""
    lower = [t.lower() for t in tokens]
    # Where each word stands, so an entry is only compared where its first word occurs.
    at_lower: dict[str, list[int]] = {}
    at_exact: dict[str, list[int]] = {}
    for i, (word, low) in enumerate(zip(tokens, lower)):
        at_exact.setdefault(word, []).append(i)
        at_lower.setdefault(low, []).append(i)
    taken: set[int] = set()
    hits = []
    for entry in phrases:
        seq, n = entry.phrase, len(entry.phrase)
        haystack, starts = (tokens, at_exact) if entry.case_sensitive else (lower, at_lower)
        for i in starts.get(seq[0], ()):
            if tuple(haystack[i:i + n]) == seq and not taken & set(range(i, i + n)):
                taken |= set(range(i, i + n))
                hits.append((i, i + n, entry))
    return sorted(hits, key=lambda h: h[0])


_DETERMINERS = {"de", "het", "een", "uw", "onze", "ons", "mijn", "jouw", "je", "haar", "zijn", "hun", "die", "deze", "dit", "dat"}


def _false_positive(word: str, tokens: list[str], start: int, end: int) -> bool:
    """The list's notes, as code: readings of a listed word that are plain."""
    before = tokens[start - 1].lower() if start else ""
    after = tokens[end].lower() if end < len(tokens) else ""
    near = {t.lower() for t in tokens[max(0, start - 3):end + 3]}
    return {
        "welke": start == 0,                          # a question "Welke ...?" is plain
        "mocht": start != 0 and before not in {"en", "maar", "dan"},  # only "Mocht u ..." (= if)
        # "dienen als" = to serve as; "een aanvraag in te dienen" is indienen
        "dienen": after == "als" or (before == "te" and start > 1 and tokens[start - 2].lower() == "in"),
        "wensen": before in _DETERMINERS,             # "uw wensen" is a noun
        "bescheiden": before in {"een", "heel", "zeer", "erg", "zo", "nogal", "vrij"},
        "overleggen": "met" in near,                  # "overleggen met" = to talk with
        "vermogen": before in {"naar", "lerend", "leervermogen"},
    }.get(word, False)


# --- the rules ---------------------------------------------------------------------------------

def _occurrences(tokens: list[str], spans: list[Span], word: str) -> tuple[Span, ...]:
    return tuple(span for token, span in zip(tokens, spans) if token == word)


def _sentence_length(sentence: str, n: int, rules: LanguageRules, at: Span) -> list[TextFinding]:
    if n <= rules.sentence_warn:
        return []
    severity = "error" if n > rules.sentence_error else "warning"
    limit = rules.sentence_error if severity == "error" else rules.sentence_warn
    return [TextFinding("sentence-length", severity,
                        f"Deze zin heeft {n} woorden; meer dan {limit} is te lang om snel te lezen op een scherm.",
                        sentence, "Maak er twee korte zinnen van, met één boodschap per zin.", spans=(at,))]


def _allowed(word: str, rules: LanguageRules) -> bool:
    return word.lower() in {w.lower() for w in rules.allowed_words}


def _long_words(tokens: list[str], spans: list[Span], rules: LanguageRules) -> list[TextFinding]:
    found = []
    for word in dict.fromkeys(tokens):
        if is_number(word) or is_capitals(word) or _allowed(word, rules):
            continue
        count = syllables(word)
        if count > rules.long_word_syllables:
            found.append(TextFinding("long-word", "warning",
                                     f"'{word}' is een lang woord ({count} lettergrepen); lange woorden lezen moeilijk.",
                                     word, "Gebruik een korter woord, of schrijf het in meer woorden.",
                                     spans=_occurrences(tokens, spans, word)))
    return found


_WORDEN = {"word", "wordt", "worden", "werd", "werden"}
_ZIJN = {"is", "was", "zijn", "waren", "ben", "bent", "geweest"}
_PARTICLES = ("aan", "af", "bij", "door", "in", "mee", "na", "om", "op", "over", "terug", "toe", "uit",
              "vast", "voor", "weg", "tegen", "samen", "vrij", "los", "binnen", "neer", "kwijt", "goed", "stop")
_PARTICIPLE = re.compile(
    r"^(?:(?:%s)?ge[a-zëï]{3,}[dtn]|(?:be|ver|ont|her|er|onder)[a-zëï]{3,}(?:d|t|en))$" % "|".join(_PARTICLES))
# Look like participles, but are nouns or adjectives ("het is ingewikkeld"), or form the active
# perfect with zijn ("er is iets veranderd").
_NOT_PASSIVE = set("""geld geduld gebied gezicht gezond gewoon gemeen gezin gerecht gewicht gebed gerust
    geschikt gewend geboren getrouwd gescheiden gehandicapt gepensioneerd gekomen gegaan gebleven geworden
    gebeurd gelukt gestopt gestorven gebleken gevallen geslaagd gesloten geopend ingewikkeld uitgebreid
    afgelegen opgelucht opgewekt bekend bereid betrokken bezorgd bezet bevoegd beleefd verkeerd verliefd
    verward veranderd verhuisd vertrokken begonnen overleden verdwenen ontstaan vergeten verplicht
    verschuldigd ontevreden ontspannen tevreden erg ervaren""".split())
_CLAUSE_BREAK = {"en", "maar", "of", "want", "dus"}


_CLAUSE_PUNCTUATION = re.compile(r"[,;:()\u2013\u2014]")


def _clauses(sentence: str, spans: list[Span]) -> list[list[int]]:
    """The sentence's clauses, each as the indices of its words (`spans`: the sentence's word spans)."""
    parts: list[list[int]] = []
    clause: list[int] = []
    previous = 0
    for i, (start, end) in enumerate(spans):
        # A word never holds clause punctuation, so a break falls between two words.
        if clause and (_CLAUSE_PUNCTUATION.search(sentence, previous, start)
                       or sentence[start:end].lower() in _CLAUSE_BREAK):
            parts.append(clause)
            clause = []
        clause.append(i)
        previous = end
    if clause:
        parts.append(clause)
    return parts


_ARTICLES = {"de", "het", "een", "uw", "onze", "mijn", "jouw", "je", "hun", "deze", "dit"}


def _participle_at(lower: list[str], i: int) -> bool:
    word, before = lower[i], lower[i - 1] if i else ""
    # After an article or a possessive it is a noun or an adjective ("uw vermogen", "de verplichtingen");
    # after "te" an infinitive ("om bij te verdienen").
    return (bool(_PARTICIPLE.match(word)) and word not in _NOT_PASSIVE and not word.endswith(("ing", "ingen"))
            and before not in _ARTICLES | {"te"})


def _passive_in(clause: list[str]) -> tuple[int, int] | None:
    """(auxiliary, participle): their indices in the clause, for a passive."""
    lower = [w.lower() for w in clause]
    participles = [i for i in range(len(lower)) if _participle_at(lower, i)]
    for a, aux in enumerate(lower):
        # The participle nearest to the auxiliary belongs to it ("worden ondernomen", not "staat beschreven").
        for i in sorted(participles, key=lambda i: abs(i - a)):
            if aux in _WORDEN and i != a:
                return a, i
            # With zijn only the verb at the end of the clause ("is gemeld"), not "is gesloten op maandag".
            if aux in _ZIJN and i == len(lower) - 1 and a < i:
                return a, i
    return None


def _passive(sentence: str, offset: int) -> list[TextFinding]:
    spans = word_spans(sentence)
    found = []
    for clause in _clauses(sentence, spans):
        pair = _passive_in([sentence[slice(*spans[i])] for i in clause])
        if pair:
            aux, participle = (spans[clause[i]] for i in pair)
            found.append(TextFinding(
                "passive", "warning", "Lijdende vorm: de lezer ziet niet wie iets doet.",
                f"{sentence[slice(*aux)]} … {sentence[slice(*participle)]}",
                "Zeg wie het doet: 'Wij sturen u een brief' in plaats van 'U wordt een brief gestuurd'.",
                spans=tuple((offset + start, offset + end) for start, end in (aux, participle))))
    return found


_SUBORDINATORS = {"omdat", "doordat", "zodat", "waardoor", "terwijl", "nadat", "voordat", "indien", "tenzij",
                  "waarbij", "waarmee", "waarin", "waarop", "waarvan", "hetgeen", "zodra", "hoewel", "opdat",
                  "aangezien", "alvorens", "mits", "ofschoon", "teneinde"}


def _subclause_markers(sentence: str) -> list[str]:
    markers = []
    for clause_start, chunk in enumerate(re.split(r",", sentence)):
        for i, word in enumerate(words(chunk)):
            low = word.lower()
            after_comma = clause_start > 0 and i == 0
            if low in _SUBORDINATORS or (low == "welke" and (clause_start or i)) or \
                    (after_comma and low in {"dat", "die", "wat", "welke"}):
                markers.append(word)
    return markers


def _subclauses(sentence: str, n: int, rules: LanguageRules, at: Span) -> list[TextFinding]:
    markers = _subclause_markers(sentence)
    # One short bijzin is B1 ("Vertel het ons voordat u gaat"); stacked or in a long sentence it is not.
    if len(markers) >= 2 or (markers and n > rules.sentence_warn):
        return [TextFinding("subclause", "warning",
                            f"Bijzin ({', '.join(markers)}): de lezer moet de hoofdzaak onthouden tot het einde.",
                            sentence, "Zet de bijzin in een eigen, korte zin.", spans=(at,))]
    return []


def _officialese_findings(tokens: list[str], spans: list[Span], rules: LanguageRules) -> list[TextFinding]:
    found = []
    for start, end, entry in find_phrases(tokens, _officialese(_extra(rules))):
        written = " ".join(tokens[start:end])
        if entry.kind == "abbreviation" or _allowed(written, rules) or \
                _false_positive(entry.written.lower(), tokens, start, end):
            continue
        why = ("is vakjargon: veel lezers kennen dit woord niet" if entry.kind == "jargon"
               else "is ambtelijke taal (stadhuistaal)")
        found.append(TextFinding("officialese", "warning", f"'{written}' {why}.", written,
                                 f"Schrijf: {entry.plain}", spans=((spans[start][0], spans[end - 1][1]),),
                                 plain=entry.plain))
    return found


def _explained(text: str, abbreviation: str) -> bool:
    """Explained = in brackets after its full name, followed by an explanation in brackets, or spelled out."""
    escaped = re.escape(abbreviation)
    if re.search(rf"\({escaped}\)|(?<!\w){escaped}\s*\(", text):
        return True
    initials = "".join(w[0] for w in words(text) if len(w) > 2 and w[0].isupper() and w != abbreviation)
    return len(abbreviation) >= 2 and abbreviation.upper() in initials.upper()


def _hyphen_parts(tokens: list[str], spans: list[Span]) -> tuple[list[str], list[Span]]:
    """The tokens split at their hyphens ("IB-signalen": "IB", "signalen"), with their spans."""
    parts, places = [], []
    for token, (start, _end) in zip(tokens, spans):
        for piece in re.finditer(r"[^-]+", token):
            parts.append(piece.group())
            places.append((start + piece.start(), start + piece.end()))
    return parts, places


def _abbreviation_findings(text: str, tokens: list[str], spans: list[Span], rules: LanguageRules) -> list[TextFinding]:
    extra = _extra(rules)
    parts, places = _hyphen_parts(tokens, spans)
    found: dict[str, TextFinding] = {}
    for start, _end, entry in find_phrases(parts, _abbreviations(extra)):
        written = parts[start]
        if written not in found and not _allowed(written, rules) and not _explained(text, written):
            found[written] = TextFinding("abbreviation", "warning",
                                         f"De afkorting '{written}' wordt niet uitgelegd.", written,
                                         f"Schrijf het voluit of leg het uit: {entry.plain}",
                                         spans=_occurrences(parts, places, written), plain=entry.plain)
    # Dotted abbreviations (m.b.t.): the tokenizer keeps inner dots but not the last one.
    for entry in _abbreviations(extra):
        dotted = rf"(?<!\w){re.escape(entry.written.rstrip('.'))}\.?(?!\w)"
        if "." in entry.written and re.search(dotted, text, re.I):
            found.setdefault(entry.written, TextFinding(
                "abbreviation", "warning", f"De afkorting '{entry.written}' is lastig voor veel lezers.",
                entry.written, f"Schrijf: {entry.plain}",
                spans=tuple(m.span() for m in re.finditer(dotted, text, re.I)), plain=entry.plain))
    # Unknown short capitals (GGD); from 4 letters on, the all-caps rule speaks.
    for word in dict.fromkeys(parts):
        if (is_capitals(word) and 2 <= sum(c.isalpha() for c in word) <= 3 and word not in found
                and not is_known_abbreviation(word, extra) and not _allowed(word, rules)
                and not _explained(text, word)):
            found[word] = TextFinding("abbreviation", "warning", f"De afkorting '{word}' wordt niet uitgelegd.",
                                      word, "Schrijf het voluit, of zet de uitleg erachter tussen haakjes.",
                                      spans=_occurrences(parts, places, word))
    return list(found.values())


def _all_caps(text: str, tokens: list[str], spans: list[Span], rules: LanguageRules) -> list[TextFinding]:
    advice = "Schrijf in gewone letters: hoofdletters lezen moeilijker en klinken als schreeuwen."
    letters = [c for c in text if c.isalpha()]
    if len(tokens) >= 2 and letters and all(c.isupper() for c in letters):
        return [TextFinding("all-caps", "warning", "De hele tekst staat in hoofdletters.", text, advice,
                            spans=((spans[0][0], spans[-1][1]),))]
    return [TextFinding("all-caps", "warning", f"'{w}' staat in hoofdletters.", w,
                        advice + " Is het een afkorting? Schrijf hem dan voluit.",
                        spans=_occurrences(tokens, spans, w), plain=w.lower())
            for w in dict.fromkeys(tokens)
            if is_shouting(w) and not is_known_abbreviation(w, _extra(rules))
            and not _allowed(w, rules)]


def is_shouting(word: str) -> bool:
    """A word of four or more letters, all in capitals (a known abbreviation is checked apart)."""
    return is_capitals(word) and sum(c.isalpha() for c in word) >= 4


def check_text(text: str, rules: LanguageRules = DEFAULT_RULES) -> list[TextFinding]:
    """Plain-language findings for one Dutch text field (a title, a text, a step)."""
    findings: list[TextFinding] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        n = len(words(sentence))
        findings += _sentence_length(sentence, n, rules, (start, end))
        findings += _passive(sentence, start)
        findings += _subclauses(sentence, n, rules, (start, end))
    spans = word_spans(text)
    tokens = [text[start:end] for start, end in spans]
    findings += _officialese_findings(tokens, spans, rules)
    findings += _abbreviation_findings(text, tokens, spans, rules)
    findings += _long_words(tokens, spans, rules)
    findings += _all_caps(text, tokens, spans, rules)
    return findings


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?:" else text + "."


def check_slide_texts(texts: list[str], rules: LanguageRules = DEFAULT_RULES) -> list[TextFinding]:
    """All findings for one slide: each text's own findings, its word total and its Flesch-Douma score."""
    texts = [t for t in texts if t and t.strip()]
    return [f for t in texts for f in check_text(t, rules)] + slide_level_findings(texts, rules)


def slide_level_findings(texts: list[str], rules: LanguageRules = DEFAULT_RULES) -> list[TextFinding]:
    """Findings about the slide as a whole: too many words, a low Flesch-Douma score."""
    texts = [t for t in texts if t and t.strip()]
    findings: list[TextFinding] = []
    total = sum(len(words(t)) for t in texts)
    if total > rules.slide_words_warn:
        severity = "error" if total > rules.slide_words_error else "warning"
        limit = rules.slide_words_error if severity == "error" else rules.slide_words_warn
        findings.append(TextFinding("slide-words", severity,
                                    f"Deze dia heeft {total} woorden; meer dan {limit} is te veel voor één scherm.",
                                    " / ".join(texts), "Haal woorden weg, of maak er twee dia's van."))
    if texts:
        score = flesch_douma(" ".join(_as_sentence(t) for t in texts))
        if score < rules.flesch_douma_warn:
            findings.append(TextFinding("flesch-douma", "warning",
                                        f"Leesbaarheid (Flesch-Douma) {score:.0f}: {flesch_douma_band(score)}; "
                                        f"onder {rules.flesch_douma_warn:.0f} is te moeilijk voor veel lezers.",
                                        " / ".join(texts), "Gebruik kortere zinnen en kortere woorden."))
    return findings


# Findings about the words themselves: one is enough to make a sentence hard for a B1 reader.
_WORD_RULES = {"officialese", "abbreviation", "passive"}
# Findings about length and structure: each alone is common in plain text; together they are not.
_STRUCTURE_RULES = {"sentence-length", "long-word", "subclause", "flesch-douma", "all-caps", "slide-words"}


def classify(sentence: str, rules: LanguageRules = DEFAULT_RULES) -> str:
    """'official' if a word-level finding, or three kinds of structural finding; else 'plain'."""
    found = {f.rule for f in check_slide_texts([sentence], rules)}
    if found & _WORD_RULES or len(found & _STRUCTURE_RULES) >= 3:
        return "official"
    return "plain"
