"""The studio's routes: the overview, the slide editor with its live preview, new slides, review.

Pages are forms that work without script; static/editor.js adds the live preview while typing
(POST /api/studio/voorbeeld, JSON) and the marks at the words. Saving goes through
content/roundtrip.py: the author's comments, order and quoting stay, and a file changed on disk
since the editor loaded it is never overwritten.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import jinja2
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ...assets.icons import choices, dutch_words
from ...content.fields import long_word_problem
from ...content.translations import translation_status
from ...errors import NarrowcastError
from ..auth import login_needed, needs_login
from ..guard import size_in_words
from ..health import read_json
from . import forms
from .drafts import LANGUAGES, SCREENS, Draft, draft_failed, draft_in_worker, studio_dir
from .uploads import MAX_BYTES, SMALLER
from .views import STATUSES, editable, filtered, slide_rows

if TYPE_CHECKING:
    from ..server import Server

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE_POLICY = ("default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
MAX_DRAFT_BYTES = 256_000
# A slide's form may carry a picture: its body may be larger than others (guard.BodyLimit, before it is read).
SAVE_LIMIT = MAX_BYTES + MAX_DRAFT_BYTES * 2  # a picture and the form's texts
BODY_LIMITS = ((re.compile(r"/studio/slides/[^/]+"), SAVE_LIMIT,
                f"Niet opgeslagen: te groot (hoogstens {size_in_words(SAVE_LIMIT)}). Een afbeelding mag hoogstens "
                f"{MAX_BYTES // 2**20} MB zijn: {SMALLER} en kies hem opnieuw."),)
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader([HERE / "templates", HERE.parent / "templates"]), autoescape=True,
                                trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=8)
def static_name(name: str) -> str:
    """A static file's name with its content hash (`editor.1a2b3c4d.js`): cached for good, never stale."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:8]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}"


_TEMPLATES.globals["static"] = lambda name: f"/studio/static/{static_name(name)}"
_TEMPLATES.globals["STATUSES"] = STATUSES
_TEMPLATES.globals["icon_choices"] = choices()
_TEMPLATES.globals["max_upload_mb"] = MAX_BYTES // 1024 // 1024


def page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                           "Content-Security-Policy": PAGE_POLICY})


def render(template: str, **values) -> str:
    return _TEMPLATES.get_template(template).render(**values)


def routes(server: "Server") -> list[BaseRoute]:
    def login_page() -> Response:  # the shared login form (its styles are inline: not under the studio's policy)
        html = _TEMPLATES.get_template("login.html").render(message="Log in om de studio te gebruiken.", next="/studio")
        return HTMLResponse(html, status_code=401, headers={"Cache-Control": "no-store"})

    staff = needs_login(server, login_page)
    api = needs_login(server, login_needed)
    drafts = DraftQueue(server)

    @staff
    async def overview(request: Request, user: str) -> Response:
        query, status = request.query_params.get("zoek", "")[:200], request.query_params.get("status", "")
        status = status if status in STATUSES else ""
        preview = _wake_preview(server)
        working, findings = await asyncio.to_thread(_working, server)
        if working is None:
            return page(render("broken.html", user=user, findings=[f for f in findings if f.is_error][:50]), 200)
        rows = await asyncio.to_thread(slide_rows, server, working, preview, server.clock())
        shown = filtered(rows, query, status)
        return page(render("overview.html", user=user, rows=shown, total=len(rows), query=query, status=status,
                           building=preview is None, review=working.config.review, here="dias"))

    @staff
    async def editor(request: Request, user: str) -> Response:
        ident = request.path_params["slide"]
        working, findings = await asyncio.to_thread(_working, server)
        if working is None:
            return page(render("broken.html", user=user, findings=[f for f in findings if f.is_error][:50]), 200)
        found = await asyncio.to_thread(editable, server.root, working, ident)
        if found is None:
            return page(render("missing.html", user=user, ident=ident), 404)
        raw = request.query_params.get("weergave") == "yaml"
        return page(_editor_html(user, found, working, raw, saved=request.query_params.get("opgeslagen") == "1"))

    @staff
    async def save(request: Request, user: str) -> Response:
        ident = request.path_params["slide"]
        form = await request.form(max_part_size=MAX_DRAFT_BYTES)
        typed = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        upload = form.get("image_file")
        # the boxes as the form showed them and as they are sent: only what the user changed is applied
        members = ({str(v) for v in form.getlist("afspeellijst")}, {str(v) for v in form.getlist("afspeellijst_was")}) \
            if "afspeellijsten" in typed else None
        working, _ = await asyncio.to_thread(_working, server)
        found = await asyncio.to_thread(editable, server.root, working, ident) if working else None
        if found is None:
            return page(render("missing.html", user=user, ident=ident), 404)
        written = None
        try:
            if isinstance(upload, UploadFile) and upload.filename:
                written = await _take_upload(server.root, upload, typed)
            await asyncio.to_thread(_save, server.root, found, typed)
            if members is not None:
                await asyncio.to_thread(_save_playlists, server.root, working, ident, *members)
        except NarrowcastError as exc:
            if written:  # the slide was not saved: its new picture goes too
                (server.root / written).unlink(missing_ok=True)
            raw = "yaml" in typed
            return page(_editor_html(user, found, working, raw, problem=str(exc), typed=typed), 409)
        return RedirectResponse(f"/studio/slides/{quote(ident)}?opgeslagen=1" + ("&weergave=yaml" if "yaml" in typed else ""),
                                status_code=303)

    @staff
    async def new(request: Request, user: str) -> Response:
        if request.method == "GET":
            return page(render("new.html", here="dias", user=user, layouts=forms.LAYOUTS, typed={}, problem=""))
        form = await request.form()
        typed = {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}
        try:
            ident = await asyncio.to_thread(_new_slide, server.root, typed)
        except NarrowcastError as exc:
            return page(render("new.html", here="dias", user=user, layouts=forms.LAYOUTS, typed=typed,
                               problem=str(exc)), 422)
        return RedirectResponse(f"/studio/slides/{quote(ident)}", status_code=303)

    @api
    async def draft(request: Request, user: str) -> Response:
        data, refused = await read_json(request, MAX_DRAFT_BYTES)
        if refused:
            return refused
        try:
            file, text, document = await asyncio.to_thread(_draft_text, server.root, data)
        except NarrowcastError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        part = LANGUAGES if data.get("deel") == LANGUAGES else SCREENS
        result = await drafts.render(user, file, text.encode("utf-8"), document, part)
        if result is None:
            return JSONResponse({"superseded": True}, status_code=409)
        return JSONResponse(_draft_json(result), headers={"Cache-Control": "no-store"})

    async def media(request: Request) -> Response:
        name = request.path_params["name"]
        path = studio_dir(server.root) / "media" / name
        if not _safe(name) or not path.is_file():
            return Response("niet gevonden", status_code=404)
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600",
                                                                   "X-Content-Type-Options": "nosniff"})

    async def icon(request: Request) -> Response:  # the shipped icons, by Dutch word or Lucide name
        from ...assets.icons import svg

        name = request.path_params["name"]
        try:
            markup = svg(name.removesuffix(".svg")) if name.endswith(".svg") else None
        except KeyError:
            markup = None
        if markup is None:
            return Response("niet gevonden", status_code=404)
        return Response(markup, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400",
                                                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        stem, _, ext = name.rpartition(".")
        original = f"{stem.rpartition('.')[0]}.{ext}"
        if not _safe(original) or not (STATIC / original).is_file() or static_name(original) != name:
            return Response("niet gevonden", status_code=404)
        kind = {"js": "text/javascript", "css": "text/css"}.get(ext, "application/octet-stream")
        return FileResponse(STATIC / original, media_type=kind, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    from . import calendar, notices, playlists, screens
    from .review import review_routes

    async def house_style(request: Request) -> Response:
        from ...assets.themes import load_theme
        from .housestyle import house_css

        from ...state.snapshots import tree_dir

        site, snapshot = server.site, server.published.snapshot if server.published else None
        try:
            colours = load_theme(tree_dir(server.root, snapshot) if snapshot else server.root,
                                 site.config.theme).settings.get("colors", {}) if site else {}
        except Exception:  # noqa: BLE001 - a theme that cannot be read: the studio's own colours
            colours = {}
        return Response(house_css(colours), media_type="text/css", headers={"Cache-Control": "no-cache"})

    return [
        Route("/studio/huisstijl.css", house_style),
        Route("/studio", overview),
        *review_routes(server, staff, page, render),
        *(route for part in (playlists, calendar, notices, screens) for route in part.routes(server, staff, page, render)),
        Route("/studio/nieuw", new, methods=["GET", "POST"]),
        Route("/studio/slides/{slide}", editor, methods=["GET"]),
        Route("/studio/slides/{slide}", save, methods=["POST"]),
        Route("/api/studio/voorbeeld", draft, methods=["POST"]),
        Route("/studio/media/{name}", staff(lambda request, _user: media(request))),
        Route("/studio/static/{name}", static),
        Route("/studio/iconen/{name}", icon),
    ]


def _working(server: "Server"):
    from ...content.load import load_site

    return load_site(server.root)


def _wake_preview(server: "Server") -> dict | None:
    """The preview's data (thumbnails, findings); asking for it wakes a sleeping preview."""
    from ..preview import page_data

    preview = server.preview_server
    if preview is None:
        return None
    preview.wake()
    return page_data(preview)


def _safe(name: str) -> bool:
    return bool(name) and "/" not in name and not name.startswith(".") and len(name) < 200


def _editor_html(user: str, found, working, raw: bool, saved: bool = False, problem: str = "",
                 typed: dict | None = None) -> str:
    languages = sorted({lang for slide in working.slides.values() for lang in slide.translations}
                       | set((found.data.get("translations") or {}).keys()))
    playlists = [{"id": p.id, "name": p.name, "member": any(item.slide == found.data.get("id") for item in p.items),
                  "via": sorted({item.tag for item in p.items if item.tag and item.tag in (found.data.get("tags") or [])})}
                 for p in working.playlists.values()]
    model = working.slides.get(found.data.get("id"))
    statuses = {lang: translation_status(model, lang).state for lang in (model.translations if model else {})}
    return render("editor.html", here="dias", user=user, slide=found, playlists=playlists, statuses=statuses, fields=forms.FIELDS, translated=forms.TRANSLATED,
                  layouts=forms.LAYOUTS, shown=forms.shown, step_rows=forms.step_rows, languages=languages, raw=raw, saved=saved,
                  problem=problem, typed=typed, icons=dutch_words(), dutch=working.config.language)


async def _take_upload(root: Path, upload: "UploadFile", typed: dict[str, str]) -> str | None:
    """Put an uploaded picture in images/ and the slide's image field; returns the path when a new
    file was written (to take back if the slide is not saved)."""
    from .uploads import store_picture

    if not typed.get("image_alt", "").strip():
        raise NarrowcastError("vul bij 'Wat staat er op de afbeelding?' in wat erop staat; wie het scherm niet kan "
                              "zien, hoort of leest dat. Kies de afbeelding daarna opnieuw")
    data = await upload.read(MAX_BYTES + 1)
    path, new = await asyncio.to_thread(store_picture, root, data, upload.filename or "")
    typed["image"] = path
    return path if new else None


def _save(root: Path, found, typed: dict[str, str]) -> None:
    from ...content import roundtrip

    base = typed.get("version", "")
    if "yaml" in typed:
        text = typed["yaml"].replace("\r\n", "\n")
    else:
        languages = list((found.data.get("translations") or {}).keys())
        changed = forms.changes(found.data, typed, languages)
        if not changed:
            return
        text = roundtrip.edited_text(found.text.replace("\r\n", "\n"), changed, found.document, found.file)
    _refuse_errors(root, found.file, text, as_form="yaml" not in typed)
    if "yaml" in typed and not _still_there(root, found.file, text, found.data.get("id")):
        raise NarrowcastError(f"in deze YAML staat dia {found.data.get('id')} niet meer; zo zou hij (met wat er nog meer "
                              f"in {found.file} staat) verdwijnen. Wilt u een dia weghalen, haal hem dan uit de "
                              "afspeellijsten, of vraag een beheerder het bestand te verwijderen")
    if "yaml" in typed:
        roundtrip.save_text(root, Path(found.file), text, base)
    else:
        roundtrip.save_fields(root, Path(found.file), changed, base, found.document)


def _still_there(root: Path, file: str, text: str, ident) -> bool:
    from ...content.load import load_site

    site, _ = load_site(root, {file: text.encode("utf-8")})
    return site is not None and ident in site.slides and site.slides[ident].origin.file == file


def _save_playlists(root: Path, working, slide_id: str, ticked: set[str], shown: set[str]) -> None:
    """Add the slide to the playlists ticked now that were not ticked when the form was shown, and
    take it out of those unticked since (named by id; a tag's reach is left alone). A box left as it
    was changes nothing, so a colleague's change to a playlist meanwhile is never undone."""
    from ...content import roundtrip

    for playlist in working.playlists.values():
        if (playlist.id in ticked) != (playlist.id in shown):
            roundtrip.set_playlist_member(root, Path(playlist.origin.file), playlist.id, slide_id, playlist.id in ticked)


def _refuse_errors(root: Path, file: str, text: str, as_form: bool = False) -> None:
    """A file is saved only when it reads without errors (others' broken files do not count). Saved
    from the form, the errors name the form's fields ("Stap 3"); from the YAML tab, lines and keys."""
    from ...content.load import load_site

    _, findings = load_site(root, {file: text.encode("utf-8")})
    errors = [f for f in findings if f.is_error and f.file == file]
    if not errors:
        return

    def where(finding) -> str:  # the form's name of the field, or the file's line and key
        if as_form:
            return f"{forms.form_label(finding.field)}: " if finding.field else ""
        return f"regel {finding.line}: " + (f"{finding.field}: " if finding.field else "")

    listed = "; ".join(where(f) + f.message for f in errors[:5])
    raise NarrowcastError(listed if as_form else f"zo kan {file} niet worden opgeslagen: {listed}")


def _new_slide(root: Path, typed: dict[str, str]) -> str:
    """A new slide file from the new-slide form; returns its id."""
    from ...content import roundtrip

    title = typed.get("title", "")
    if not title:
        raise NarrowcastError("geef de dia een titel")
    layout = typed.get("layout") if typed.get("layout") in forms.LAYOUTS else "standard"
    ident = typed.get("id") or forms.slug(title)
    if len(ident) > 80:
        raise NarrowcastError(f"het id is {len(ident)} tekens lang; hooguit 80, zoals 'spreekuur-maandag'")
    roundtrip.new_slide(root, {"id": ident, "layout": None if layout == "standard" else layout, "title": title,
                               "text": "Schrijf hier de tekst."})
    return ident


def _draft_text(root: Path, data) -> tuple[str, str, int]:
    """(file, its text as it would be saved, the slide's document in it) from an editor's draft request."""
    from ...content import roundtrip
    from ...content.load import load_site

    if not isinstance(data, dict) or not isinstance(data.get("slide"), str):
        raise NarrowcastError("stuur {\"slide\": id, \"fields\": {...}} of {\"slide\": id, \"yaml\": \"...\"}")
    site, _ = load_site(root)
    found = editable(root, site, data["slide"]) if site else None
    if found is None:
        raise NarrowcastError(f"dia {data['slide']} is niet gevonden in de werkmap")
    if isinstance(data.get("yaml"), str):
        return found.file, data["yaml"], found.document
    fields = data.get("fields")
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise NarrowcastError("fields: een object met tekst per veld")
    for name, value in fields.items():  # refused before the worker: fitting an endless word held up everyone's previews
        problem = long_word_problem(value) if name not in ("qr", "image") else None
        if problem:
            raise NarrowcastError(f"{name}: {problem}")
    languages = list((found.data.get("translations") or {}).keys())
    changed = forms.changes(found.data, fields, languages)
    text = found.text.replace("\r\n", "\n")
    return found.file, roundtrip.edited_text(text, changed, found.document, found.file) if changed else text, found.document


def _draft_json(draft: Draft) -> dict:
    return {"ok": draft.ok, "slide": draft.slide, "error": draft.error,
            "images": [{"look": i.look, "label": i.label, "size": i.size, "width": i.width, "height": i.height,
                        "url": f"/studio/media/{i.image}"} for i in draft.images],
            "findings": [f.as_dict() for f in draft.findings], "marks": draft.marks, "more": draft.more}


class DraftQueue:
    """One draft at a time per user and file; a draft overtaken by a newer one while waiting is skipped."""

    def __init__(self, server: "Server"):
        self.server = server
        self.latest: dict[tuple[str, str], int] = {}
        self.lock = asyncio.Lock()

    async def render(self, user: str, file: str, text: bytes, document: int, part: str) -> Draft | None:
        key = (user, file)
        number = self.latest[key] = self.latest.get(key, 0) + 1
        async with self.lock:
            if self.latest[key] != number:
                return None  # typing went on: the newer draft is waiting
            server = self.server
            return await server.builder.call(draft_failed, draft_in_worker, server.root, file, text, document,
                                             server.clock(), server.jobs, studio_dir(server.root), part)
