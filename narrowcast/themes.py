"""Themes: lookup chain, settings merged along `extends`, CSS variables, fonts, design tokens.

Lookup order for templates: the content folder's `templates/` override, the theme, its parents
(`extends:`), and last the built-in `default` theme. Settings merge in the opposite direction: the
parent's values first, the child's on top.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup

from .errors import NarrowcastError
from .yamlsource import load_plain

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
            fmt = {"woff2": "woff2", "woff": "woff", "ttf": "truetype", "otf": "opentype"}[path.suffix.lstrip(".").lower()]
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
    """The theme called name, as seen from the content folder root."""
    themes = available_themes(root)
    folders, settings_chain, seen = [], [], set()
    current: str | None = name
    while current:
        if current in seen:
            raise NarrowcastError(f"thema '{current}' verwijst via extends naar zichzelf")
        if current not in themes:
            raise NarrowcastError(f"thema '{current}' bestaat niet; kies uit: {', '.join(sorted(themes))}")
        seen.add(current)
        folder = themes[current]
        settings = _read_settings(folder)
        folders.append(folder)
        settings_chain.append((folder, settings))
        parent = settings.get("extends")
        if parent is None and folder.parent != BUILTIN_THEMES:
            parent = BASE_THEME  # every content theme rests on the built-in one, for its templates
        current = parent
    merged: dict = {}
    faces: list[tuple[dict, Path]] = []
    for folder, settings in reversed(settings_chain):
        merged = _merge(merged, settings)
        for face in (settings.get("fonts") or {}).get("faces") or []:
            faces.append((face, folder / face["file"]))
    override = Path(root) / "templates"
    return Theme(name, folders, merged, override if override.is_dir() else None, faces)


def _read_settings(folder: Path) -> dict:
    try:
        settings = load_plain((folder / "theme.yaml").read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise NarrowcastError(f"{folder / 'theme.yaml'}: de YAML-opmaak klopt niet: {exc}") from None
    tokens = settings.get("tokens")
    if tokens:
        settings = _merge(settings, apply_tokens(folder, tokens))
    return settings


def apply_tokens(folder: Path, tokens: dict) -> dict:
    """Theme settings taken from NL Design System design tokens (a Style Dictionary JSON file).

    `tokens: {file: tokens.json, map: {colors.text: utrecht.document.color, ...}}`: each setting
    on the left takes the token value named on the right; `{a.b.c}` references are followed.
    """
    path = folder / tokens["file"]
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NarrowcastError(f"design tokens {path} kunnen niet gelezen worden: {exc}") from None
    result: dict = {}
    for setting, token in (tokens.get("map") or {}).items():
        value = _token_value(tree, token, path)
        group, _, key = setting.partition(".")
        if group == "fonts":
            value = [part.strip().strip("'\"") for part in str(value).split(",")]
        result.setdefault(group, {})[key] = value
    return result


def _token_value(tree: dict, name: str, path: Path, depth: int = 0):
    node = tree
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            raise NarrowcastError(f"design token '{name}' staat niet in {path}")
        node = node[part]
    value = node.get("$value", node.get("value")) if isinstance(node, dict) else node
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and depth < 10:
        return _token_value(tree, value[1:-1], path, depth + 1)
    if value is None:
        raise NarrowcastError(f"design token '{name}' in {path} heeft geen waarde")
    return value


def _merge(base: dict, top: dict) -> dict:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _font_list(families) -> str:
    if isinstance(families, str):
        families = [families]
    generic = {"serif", "sans-serif", "monospace", "system-ui"}
    return ", ".join(f if f in generic else f'"{f}"' for f in families)


def markup(svg: str | None) -> Markup | None:
    """Trusted SVG (shipped icons, generated QR codes) for templates; never slide text."""
    return Markup(svg) if svg else None
