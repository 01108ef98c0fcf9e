"""What is wrong in one theme folder, each at its file:line: theme.yaml's values, its design tokens,
its font files, and outside addresses in theme.css and the templates.

Theme values end up inside the slide's `<style>`, so each must plainly be what it says (narrowcast.
cssvalues); theme.css may not close the style element; nothing in a theme may point at an address:
a slide is rendered offline and shown from any host, so it fetches nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .cssvalues import colour_problem, family_problem, length_problem
from ..errors import Finding
from ..yamlsource import Document

FONT_FORMATS = {"woff2": "woff2", "woff": "woff", "ttf": "truetype", "otf": "opentype"}
FACE_SCRIPTS = ("latin", "arabic")
FACE_STYLES = ("normal", "italic", "oblique")
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
_WEIGHT = re.compile(r"^\d{1,4}$")
_GROUP_CHECKS = {"colors": colour_problem, "sizes": length_problem}
_GROUP_WORDS = {"colors": "kleur", "sizes": "maat", "fonts": "lettertype"}

# Anything in CSS or HTML that makes a browser fetch: @import, url() other than data:, and address
# attributes that start with a scheme or '//' (a template's `src="{{ slide.image }}"` is a data: URI).
_OUTSIDE = re.compile(r"@import\b|url\(\s*(?!['\"]?\s*data:)"
                      r"|\b(?:src|srcset|href|poster|action|formaction|data)\s*=\s*[\"']?\s*(?!data:)(?:[a-z][a-z0-9+.-]*:|//)",
                      re.I)
_CLOSES_STYLE = re.compile(r"</style", re.I)


def settings_findings(doc: Document, folder: Path) -> list[Finding]:
    """Every problem in theme.yaml's own values (design tokens are checked where they are applied)."""
    settings = doc.data
    findings = []
    if settings.get("extends") is not None and not isinstance(settings["extends"], str):
        findings.append(doc.finding(("extends",), "hier hoort de naam van één thema, bijvoorbeeld default"))
    for group, check in _GROUP_CHECKS.items():
        values = settings.get(group)
        if values is None:
            continue
        if not isinstance(values, dict):
            findings.append(doc.finding((group,), f"hier horen velden (naam: {_GROUP_WORDS[group]})"))
            continue
        for key, value in values.items():
            findings += _key_findings(doc, (group, key))
            problem = check(value) if isinstance(value, str) else _not_text(value, group)
            if problem:
                findings.append(doc.finding((group, key), problem))
    fonts = settings.get("fonts")
    if fonts is not None:
        findings += _fonts_findings(doc, fonts, folder)
    return findings


def _not_text(value, group: str) -> str:
    if value is None and group == "colors":
        return 'dit veld is leeg; zet een kleur tussen aanhalingstekens, zoals "#12304D" (zonder wordt # het begin van een opmerking)'
    if value is None:
        return "dit veld is leeg; vul een waarde in"
    return "hier hoort één waarde (tekst), geen lijst of blok"


def _key_findings(doc: Document, path: tuple) -> list[Finding]:
    key = path[-1]
    if _KEY.match(key):
        return []
    return [doc.finding(path, f"'{key}' is geen goede naam voor een {_GROUP_WORDS[path[0]]}; gebruik kleine letters, "
                              "cijfers en _, bijvoorbeeld accent_soft", at_key=True)]


def _fonts_findings(doc: Document, fonts, folder: Path) -> list[Finding]:
    if not isinstance(fonts, dict):
        return [doc.finding(("fonts",), "hier horen velden: body, heading, arabic en faces")]
    findings = []
    for role, families in fonts.items():
        if role == "faces":
            findings += _faces_findings(doc, families, folder)
            continue
        findings += _key_findings(doc, ("fonts", role))
        names = [(("fonts", role), families)] if isinstance(families, str) else \
            [(("fonts", role, i), name) for i, name in enumerate(families)] if isinstance(families, list) and families else []
        if not names:
            findings.append(doc.finding(("fonts", role), "hier hoort een lijst van lettertypen, bijvoorbeeld [NC Sans, sans-serif]"))
        for path, name in names:
            problem = family_problem(name) if isinstance(name, str) else "hier hoort de naam van een lettertype"
            if problem:
                findings.append(doc.finding(path, problem))
    return findings


def _faces_findings(doc: Document, faces, folder: Path) -> list[Finding]:
    if not isinstance(faces, list):
        return [doc.finding(("fonts", "faces"), "hier hoort een lijst (regels die met '- ' beginnen), één per lettertypebestand")]
    findings = []
    for i, face in enumerate(faces):
        at = ("fonts", "faces", i)
        if not isinstance(face, dict):
            findings.append(doc.finding(at, "hier horen velden: family, file en eventueel weight, style, script"))
            continue
        for name in ("family", "file"):
            if not isinstance(face.get(name), str):
                findings.append(doc.finding(at + (name,) if name in face else at, f"'{name}' ontbreekt of is geen tekst; dit veld is nodig"))
        problems = {
            "family": family_problem(face["family"]) if isinstance(face.get("family"), str) else None,
            "file": font_file_problem(folder, face["file"]) if isinstance(face.get("file"), str) else None,
            "weight": _weight_problem(face.get("weight")),
            "style": _choice_problem(face.get("style"), FACE_STYLES, "letterstijl"),
            "script": _choice_problem(face.get("script"), FACE_SCRIPTS, "schrift"),
        }
        findings += [doc.finding(at + (name,), problem) for name, problem in problems.items() if problem]
    return findings


def _weight_problem(value) -> str | None:
    if value is None or value in ("normal", "bold") or (isinstance(value, str) and _WEIGHT.match(value) and 1 <= int(value) <= 1000):
        return None
    return f"'{value}' is geen letterdikte; schrijf een getal van 1 tot 1000, bijvoorbeeld 400 of 700"


def _choice_problem(value, choices: tuple[str, ...], word: str) -> str | None:
    if value is None or value in choices:
        return None
    return f"'{value}' is geen {word}; kies uit: {', '.join(choices)}"


def font_file_problem(folder: Path, name: str) -> str | None:
    """A font file must be a .woff2/.woff/.ttf/.otf file inside the theme's own folder."""
    path = folder / name
    if Path(name).is_absolute() or not path.resolve().is_relative_to(folder.resolve()):
        return f"'{name}' ligt buiten de themamap; zet het lettertype in de map van het thema"
    if not path.is_file():
        return f"lettertype '{name}' bestaat niet in de map van het thema"
    if path.suffix.lstrip(".").lower() not in FONT_FORMATS:
        return f"'{name}' is geen lettertype; gebruik een .woff2-, .woff-, .ttf- of .otf-bestand"
    return None


# --- design tokens --------------------------------------------------------------------------------

def apply_tokens(folder: Path, doc: Document, shown: str) -> tuple[dict, list[Finding]]:
    """Theme settings taken from NL Design System design tokens (a Style Dictionary JSON file).

    `tokens: {file: tokens.json, map: {colors.text: utrecht.document.color, ...}}`: each setting
    on the left takes the token value named on the right; `{a.b.c}` references are followed.
    Each value is checked as theme.yaml's own are; a problem points at its line in `map:`.
    `shown`: the theme folder as users see it.
    """
    tokens = doc.data["tokens"]
    if not isinstance(tokens, dict) or not isinstance(tokens.get("file"), str):
        return {}, [doc.finding(("tokens",), "schrijf tokens: met file: (het JSON-bestand in de themamap) en map:")]
    path = folder / tokens["file"]
    where = f"{shown}/{tokens['file']}"
    if not path.resolve().is_relative_to(folder.resolve()):
        return {}, [doc.finding(("tokens", "file"), f"'{tokens['file']}' ligt buiten de themamap")]
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [doc.finding(("tokens", "file"), f"design tokens {where} kunnen niet gelezen worden: {exc}")]
    mapping = tokens.get("map") or {}
    if not isinstance(mapping, dict):
        return {}, [doc.finding(("tokens", "map"), "hier horen regels als colors.text: utrecht.document.color")]
    result: dict = {}
    findings: list[Finding] = []
    for setting, token in mapping.items():
        at = ("tokens", "map", setting)
        group, _, key = setting.partition(".")
        if group not in ("colors", "sizes", "fonts") or key == "faces" or not _KEY.match(key):
            findings.append(doc.finding(at, f"'{setting}' kan niet; schrijf colors.<naam>, sizes.<naam> of fonts.<naam>", at_key=True))
            continue
        value, problem = _token_value(tree, token, where) if isinstance(token, str) else (None, "hier hoort de naam van een design token")
        if problem is None:
            value, problem = _checked_token(group, value)
        if problem:
            findings.append(doc.finding(at, problem if value is None else f"design token '{token}' in {where}: {problem}"))
            continue
        result.setdefault(group, {})[key] = value
    return result, findings


def _checked_token(group: str, value) -> tuple[object, str | None]:
    """(the setting's value, None) or (the raw value, why it cannot be used)."""
    if group == "fonts":
        parts = value if isinstance(value, list) else str(value).split(",")  # a list, or CSS's comma form
        families = [str(part).strip().strip("'\"") for part in parts]
        problem = next((p for p in map(family_problem, families) if p), None)
        return (value, problem) if problem else (families, None)
    text = str(value)
    return text, _GROUP_CHECKS[group](text)


def _token_value(tree: dict, name: str, where: str, depth: int = 0) -> tuple[object, str | None]:
    node = tree
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None, f"design token '{name}' staat niet in {where}"
        node = node[part]
    value = node.get("$value", node.get("value")) if isinstance(node, dict) else node
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and depth < 10:
        return _token_value(tree, value[1:-1], where, depth + 1)
    if value is None:
        return None, f"design token '{name}' in {where} heeft geen waarde"
    return value, None


# --- theme.css and templates ------------------------------------------------------------------------

def sheet_findings(path: Path, shown: str) -> list[Finding]:
    """theme.css: it may not close the style element, nor point at any address."""
    text = path.read_text(encoding="utf-8", errors="replace")
    findings = [_at(text, match.start(), shown, "theme.css mag '</style' niet bevatten: daarmee houdt de opmaak "
                                                 "van de dia op; haal het weg") for match in _CLOSES_STYLE.finditer(text)]
    return findings + outside_findings(text, shown)


def outside_findings(text: str, shown: str) -> list[Finding]:
    """Each place in CSS or a template that would make the slide fetch something from an address."""
    return [_at(text, match.start(), shown,
                f"'{_excerpt(text, match.start())}' verwijst naar een adres buiten de dia; een dia haalt niets op: "
                "zet lettertypen in fonts.faces van theme.yaml en afbeeldingen in de dia (image:)")
            for match in _OUTSIDE.finditer(text)]


def template_findings(folder: Path, shown: str, syntax: bool = True) -> list[Finding]:
    """Outside addresses in every template under folder, and (unless `syntax` is off) syntax errors."""
    findings = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text, name = path.read_text(encoding="utf-8", errors="replace"), f"{shown}/{path.relative_to(folder).as_posix()}"
        findings += (_syntax_findings(text, name) if syntax else []) + outside_findings(text, name)
    return findings


def _syntax_findings(text: str, shown: str) -> list[Finding]:
    import jinja2

    try:
        jinja2.Environment(trim_blocks=True, lstrip_blocks=True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return [Finding(shown, exc.lineno or 1, 1, "", f"deze template klopt niet: {exc.message}; herstel de regel, "
                        "of haal de template weg (dan geldt die van het thema)", code="template-syntax")]
    return []


def _excerpt(text: str, start: int) -> str:
    line = text[start:].split("\n", 1)[0].strip()
    return line if len(line) <= 50 else line[:47] + "..."


def _at(text: str, offset: int, shown: str, message: str) -> Finding:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Finding(shown, line, column, "", message, code="theme-unsafe")

