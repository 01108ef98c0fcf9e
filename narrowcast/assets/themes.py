"""Themes: lookup chain, settings merged along `extends`, CSS variables, fonts, design tokens.

Lookup order for templates: the content folder's `templates/` override, the theme, its parents
(`extends:`), and last the built-in `default` theme. Settings merge in the opposite direction: the
parent's values first, the child's on top. Every value is checked (narrowcast.themecheck) before
it can become CSS: a theme with errors is refused with findings at its file:line.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2
from markupsafe import Markup

from .cssvalues import GENERIC_FAMILIES
from ..errors import ContentError, Finding, has_errors
from ..folder import CONFIG_FILE
from .themecheck import FONT_FORMATS, apply_tokens, settings_findings, sheet_findings, template_findings
from ..yamlsource import Document, read_documents

BUILTIN_THEMES = Path(__file__).parent / "themes"
BASE_THEME = "default"


def available_themes(root: Path) -> dict[str, Path]:
    """Theme name -> folder; a content-folder theme hides a built-in one of the same name."""
    found: dict[str, Path] = {}
    for base in (Path(root) / "themes", BUILTIN_THEMES):
        if base.is_dir():
            for folder in sorted(base.iterdir()):
                if (folder / "theme.yaml").is_file():
                    found.setdefault(folder.name, folder)
    return found


@dataclass
class Theme:
    """A theme resolved along its `extends` chain, ready to render with."""

    name: str
    folders: list[Path]  # the theme first, then its parents, the built-in base last
    settings: dict
    override: Path | None = None  # the content folder's templates/ override
    _faces: list[tuple[dict, Path]] = field(default_factory=list)
    _font_css: dict[frozenset[str], str] = field(default_factory=dict, repr=False)

    @cached_property
    def environment(self) -> jinja2.Environment:
        dirs = ([self.override] if self.override else []) + [f / "templates" for f in self.folders]
        # Autoescape is always on, for every file name: slide text can never become markup.
        return jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in dirs if d.is_dir()]),
                                  autoescape=True, undefined=jinja2.StrictUndefined,
                                  trim_blocks=True, lstrip_blocks=True)

    @cached_property
    def css(self) -> str:
        """Custom properties from the settings, then each theme.css from the base up."""
        lines = [":root {"]
        for group, prefix in (("colors", "color"), ("sizes", "size")):
            for key, value in (self.settings.get(group) or {}).items():
                lines.append(f"  --nc-{prefix}-{key.replace('_', '-')}: {value};")
        for role, families in (self.settings.get("fonts") or {}).items():
            if role != "faces":
                lines.append(f"  --nc-font-{role.replace('_', '-')}: {_font_list(families)};")
        lines.append("}")
        sheets = [(folder / "theme.css") for folder in reversed(self.folders)]
        return "\n".join(lines) + "\n" + "\n".join(s.read_text(encoding="utf-8") for s in sheets if s.is_file())

    def font_css(self, scripts: set[str]) -> str:
        """@font-face rules with the fonts embedded, so a slide's HTML renders anywhere, offline.

        Only the faces a slide needs are embedded: the Arabic faces only for right-to-left text.
        Made once per set of scripts: encoding the fonts again for every slide cost more than
        the rest of the slide's HTML.
        """
        wanted = frozenset(scripts)
        if wanted not in self._font_css:
            self._font_css[wanted] = self._make_font_css(wanted)
        return self._font_css[wanted]

    def _make_font_css(self, scripts: frozenset[str]) -> str:
        rules = []
        for face, path in self._faces:
            if face.get("script", "latin") not in scripts:
                continue
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            fmt = FONT_FORMATS[path.suffix.lstrip(".").lower()]
            rules.append(f"@font-face {{ font-family: \"{face['family']}\"; font-weight: {face.get('weight', 400)}; "
                         f"font-style: {face.get('style', 'normal')}; font-display: block; "
                         f"src: url(data:font/{fmt};base64,{data}) format(\"{fmt}\"); }}")
        return "\n".join(rules)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever any file of the theme changes: part of every rendered file's hash."""
        digest = hashlib.sha256()
        folders = ([self.override] if self.override else []) + self.folders
        for folder in folders:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:16]


def load_theme(root: Path, name: str) -> Theme:
    """The theme called name, as seen from the content folder root; refused when it has errors.

    Only checked values reach the CSS: whoever loads a theme gets one, not only `check`.
    """
    theme, findings = _resolve(Path(root), name)
    if theme is None:
        raise ContentError(findings)
    return theme


def theme_findings(root: Path, name: str) -> list[Finding]:
    """Every problem in the theme and its parents, each at its file:line."""
    return _resolve(Path(root), name)[1]


def _resolve(root: Path, name: str) -> tuple[Theme | None, list[Finding]]:
    """The theme along its `extends` chain and the findings of every folder in it."""
    themes = available_themes(root)
    chain: list[tuple[Path, dict]] = []
    findings: list[Finding] = []
    current: str | None = name
    named_by: Document | None = None  # the theme.yaml whose `extends` names current
    while current:
        if current in (t.name for t, _ in chain) or current not in themes:
            findings.append(_bad_theme(current, themes, named_by, looped=current in themes))
            break
        folder = themes[current]
        doc, settings = _read_settings(root, folder, findings)
        if doc is None:
            break
        chain.append((folder, settings))
        shown = _shown(root, folder)
        if (folder / "theme.css").is_file():
            findings += sheet_findings(folder / "theme.css", f"{shown}/theme.css")
        if (folder / "templates").is_dir():  # the shipped templates' syntax is held by our tests
            findings += template_findings(folder / "templates", f"{shown}/templates",
                                          syntax=folder.parent != BUILTIN_THEMES)
        parent = settings.get("extends")
        if parent is None and folder.parent != BUILTIN_THEMES:
            parent = BASE_THEME  # every content theme rests on the built-in one, for its templates
        current, named_by = parent, doc
    override = root / "templates"
    if override.is_dir():
        findings += template_findings(override, "templates")
    if has_errors(findings):
        return None, findings
    merged: dict = {}
    faces: list[tuple[dict, Path]] = []
    for folder, settings in reversed(chain):
        merged = _merge(merged, settings)
        for face in (settings.get("fonts") or {}).get("faces") or []:
            faces.append((face, folder / face["file"]))
    return Theme(name, [folder for folder, _ in chain], merged, override if override.is_dir() else None, faces), findings


def _bad_theme(name: str, themes: dict, named_by: Document | None, looped: bool) -> Finding:
    message = (f"thema '{name}' verwijst via extends naar zichzelf" if looped
               else f"thema '{name}' bestaat niet; kies uit: {', '.join(sorted(themes))}")
    if named_by is None:
        return Finding(CONFIG_FILE, 0, 0, "theme", message, code="unknown-theme")
    return named_by.finding(("extends",), message, code="unknown-theme")


def _read_settings(root: Path, folder: Path, findings: list[Finding]) -> tuple[Document | None, dict]:
    """theme.yaml with its positions, checked, with its design tokens applied; (None, {}) if unusable."""
    documents, problems = read_documents(folder / "theme.yaml", root)
    findings += problems
    if problems and not documents:
        return None, {}
    doc = documents[0] if documents else Document(_shown(root, folder / "theme.yaml"), {})
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        findings.append(doc.finding((), "hier horen velden (naam: waarde), zoals colors: en fonts:", code="dict-type"))
        return None, {}
    findings += settings_findings(doc, folder)
    settings = doc.data
    if settings.get("tokens"):
        from_tokens, problems = apply_tokens(folder, doc, _shown(root, folder))
        findings += problems
        settings = _merge(settings, from_tokens)
    return doc, settings


def _shown(root: Path, path: Path) -> str:
    """A theme's path as users see it: relative to the content folder (built-in themes: in full)."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _merge(base: dict, top: dict) -> dict:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _font_list(families) -> str:
    """Checked names (themecheck), so quoting cannot be escaped; generic families stay unquoted."""
    if isinstance(families, str):
        families = [families]
    return ", ".join(f if f in GENERIC_FAMILIES else f'"{f}"' for f in families)


def markup(svg: str | None) -> Markup | None:
    """Trusted SVG (shipped icons, generated QR codes) for templates; never slide text."""
    return Markup(svg) if svg else None
