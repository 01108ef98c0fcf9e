"""From an entry to self-contained HTML (Jinja2, always escaped); narrowcast.pool makes the PNGs."""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from ..assets import icons
from ..errors import ContentError, NarrowcastError
from ..assets.hyphenation import hyphenator
from ..content.lawfacts import countdown_text, filled
from ..content.model import Screen, Site, text_direction
from .pool import RENDERER_VERSION
from ..schedule.plan import Entry
from ..assets.themes import Theme, markup

_FONTS_HERE = "/*narrowcast:fonts*/"
# What a slide document may load: its inline styles, and fonts and images embedded as data: URIs.
# No script and no address, wherever the HTML is opened (a static host gets it from the document;
# `serve` also sends it as a header): a value that slipped past the checks still runs nothing.
SLIDE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
_HEAD_RE = re.compile(r"<head\b[^>]*>", re.I)
# --- HTML ----------------------------------------------------------------------------------------

def slide_context(site: Site, entry: Entry, screen: Screen | None) -> dict:
    """What a template sees: the slide in the entry's language, icons and QR as trusted SVG."""
    slide, lang = entry.slide, entry.lang
    tr = slide.translations.get(lang) if lang != site.config.language else None
    steps = tr.steps if tr and tr.steps is not None else slide.steps
    step_icons = [step.icon for step in slide.steps]
    soft = _soft_hyphens(lang)

    def fill(text):  # the facts of the slide's law ({datum}, {dagen}, {wet}) in `lang`
        return filled(slide, lang, entry.days_left, text)

    view = {
        "id": slide.id, "layout": slide.layout, "lang": lang, "dir": text_direction(lang),
        "title": soft(fill(tr.title if tr else slide.title)),
        "text": soft(fill(tr.text if tr and tr.text else slide.text)),
        "highlight": fill(tr.highlight if tr and tr.highlight else slide.highlight),
        "icon": _icon(slide.icon),
        "steps": [{"text": soft(fill(step.text)), "icon": _icon(step.icon or (step_icons[i] if i < len(step_icons) else None))}
                  for i, step in enumerate(steps)],
        "countdown": countdown_text(entry.days_left, lang),
        "qr": markup(_qr_svg(slide.qr)) if slide.qr else None,
        "qr_label": _short_url(slide.qr) if slide.qr else None,
        "image": _image_data(site, slide) if slide.image else None,
        "image_alt": fill(tr.image_alt if tr and tr.image_alt else slide.image_alt),
        "footer": site.config.site,
        "beside": _beside(site, entry),
        "warning_icon": _icon("triangle-alert") if slide.layout == "urgent" else None,
    }
    return {"slide": view, "screen": _screen_view(screen)}


def _beside(site: Site, entry: Entry) -> dict | None:
    """Side by side: the translation in `entry.also`, shown smaller on the slide in its own language.

    Only what the translation says: no Dutch fallbacks (those are on the slide already). Its steps
    line up with the slide's own, one text per step; extra ones join the last.
    """
    lang = entry.also
    if not lang or lang not in entry.slide.translations:
        return None
    texts = _beside_texts(entry.slide, lang, entry)
    soft, count = _soft_hyphens(lang), len(entry.slide.steps)
    steps = texts["steps"][:count]
    if count and len(texts["steps"]) > count:
        steps[-1] = "\n".join([steps[-1], *texts["steps"][count:]])
    countdown = countdown_text(entry.days_left, lang)
    return {"lang": lang, "dir": text_direction(lang), "title": soft(texts["title"]), "text": soft(texts["text"]),
            "highlight": texts["highlight"], "steps": [soft(step) for step in steps],
            # the badge in the translation's language; none where it would only repeat the Dutch one
            "countdown": countdown if countdown != countdown_text(entry.days_left, site.config.language) else None}


def _beside_texts(slide, lang: str, entry: Entry) -> dict:
    """The texts of the side-by-side translation (title, text, highlight, step texts), filled as the slide's own."""
    tr = slide.translations[lang]

    def fill(text):
        return filled(slide, lang, entry.days_left, text)

    return {"title": fill(tr.title), "text": fill(tr.text), "highlight": fill(tr.highlight),
            "steps": [fill(step.text) for step in tr.steps or []]}


_SOFT_HYPHEN = "\u00ad"
_LONG_WORD = re.compile(r"\w{9,}")


@lru_cache(maxsize=16)
def _soft_hyphens(lang: str):
    """Soft hyphens in long words, from the language's hyphenation dictionary.

    Chromium's own `hyphens: auto` needs dictionaries it downloads at run time, which our
    offline renderer never does; without this, narrow columns break words at any letter.
    """
    import pyphen

    code = {"nl": "nl_NL", "en": "en_GB", "de": "de_DE", "fr": "fr_FR", "pl": "pl_PL", "tr": "tr_TR",
            "uk": "uk_UA", "es": "es", "pt": "pt_PT"}.get(lang.split("-")[0])
    if not code or code not in pyphen.LANGUAGES:
        return lambda text: text
    dic = hyphenator(code, left=3, right=3)

    def soft(text: str | None) -> str | None:
        return _LONG_WORD.sub(lambda m: dic.inserted(m.group(0), hyphen=_SOFT_HYPHEN), text) if text else text

    return soft


def _screen_view(screen: Screen | None) -> dict:
    if screen is None:  # the self-contained HTML file: sized by the browser window
        return {"width": None, "height": None, "orientation": "landscape"}
    return {"width": screen.width, "height": screen.height, "orientation": screen.orientation}


def render_html(theme: Theme, context: dict) -> str:
    """The complete, self-contained HTML document of one slide."""
    beside = context["slide"].get("beside") or {}
    rtl = context["slide"]["dir"] == "rtl" or beside.get("dir") == "rtl"  # the slide or its side-by-side text
    scripts = {"latin"} | ({"arabic"} if rtl else set())
    name = f"layouts/{context['slide']['layout']}.html"
    try:
        template = theme.environment.get_template(name)
        # The embedded fonts go in last: through Jinja's Markup joins, their 180 kB were copied many times.
        html = template.render(**context, font_css=Markup(_FONTS_HERE), theme_css=Markup(theme.css))
    except Exception as exc:  # a template of the theme or the content folder: name it and its line
        raise NarrowcastError(f"de template {_template_place(exc, name)} geeft een fout bij dia "
                              f"'{context['slide'].get('id', '?')}': {type(exc).__name__}: {exc}; herstel de "
                              "template, of haal hem weg (dan geldt die van het thema)") from None
    return _with_policy(html).replace(_FONTS_HERE, theme.font_css(scripts))


def _template_place(exc: Exception, name: str) -> str:
    """file:line of the template line that failed (Jinja puts template lines into the traceback)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".jinja"))]
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else name


def _with_policy(html: str) -> str:
    """The policy as the head's first element: added here, so a theme's own base.html cannot leave it out."""
    head = _HEAD_RE.search(html)
    if head is None:
        raise NarrowcastError("een thema-sjabloon mist <head>")
    policy = f'\n<meta http-equiv="Content-Security-Policy" content="{SLIDE_CSP}">'
    return html[: head.end()] + policy + html[head.end():]


def content_key(theme: Theme, context: dict, width: int, height: int) -> str:
    """The name of the rendered file: everything its pixels depend on, hashed.

    The slide's view (text, icons, QR, image data, language), the theme's files (templates, CSS,
    fonts), the screen's size and the renderer's version. Known before any HTML is made, so an
    unchanged slide costs one hash.
    """
    view = json.dumps(context, sort_keys=True, ensure_ascii=False, default=str)
    text = f"{RENDERER_VERSION}\0{width}x{height}\0{theme.name}\0{theme.fingerprint}\0{view}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _icon(word: str | None) -> Markup | None:
    if not word:
        return None
    try:
        return markup(icons.svg(word))
    except KeyError:
        return None


@lru_cache(maxsize=256)
def _qr_svg(url: str) -> str:
    import segno  # only for slides with a QR code: 3 MB less in every other build

    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=10, border=2, dark="#000000", light="#ffffff", omitsize=True)


def _short_url(url: str) -> str:
    """The address as people read it: no scheme, no 'www.', no trailing slash."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return (host + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")) or url


def _image_data(site: Site, slide) -> str:
    """The slide's picture as a data: URI; one removed or unreadable since the check is a finding."""
    try:
        return _data_uri(Path(site.root) / slide.image)
    except OSError:
        finding = slide.origin.finding(("image",), f"afbeelding '{slide.image}' is weg of onleesbaar sinds de controle; "
                                                   "zet hem terug of haal het veld weg, en bouw opnieuw", code="image-missing")
        raise ContentError([finding]) from None


def _data_uri(path: Path) -> str:
    info = path.stat()
    return _encoded_file(str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=32)  # a picture on several screens and in several languages is encoded once
def _encoded_file(path: str, _mtime_ns: int, _size: int) -> str:
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode('ascii')}"
