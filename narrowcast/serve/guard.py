"""Cross-site requests refused, in one place: a request that changes something must come from our own pages.

A browser names the page a POST comes from in `Origin` (older ones at least in `Referer`), and no
page can change that. SameSite cookies do not tell ports or sibling sub-domains apart; this check
does. It holds for every POST, PUT, PATCH and DELETE, so a new route behind the login is covered
without a word; today those are POST /login and /logout (forms) and POST /api/rebuild and
/api/urgent (JSON). Two kinds of request need no Origin:
- screen writes (/api/screens/…): no cookie counts there, each screen has its key, and the player
  may be served from anywhere (nginx under /borden/ on another origin); `health.ScreenGate` guards them;
- a script with an API token (`Authorization: Bearer`): a page cannot send that header to another
  origin without a CORS preflight, which this server never answers.
The body's type is checked too: forms are urlencoded or multipart, the JSON API takes JSON only.

Every body has a size limit (`BodyLimit`, also for /login, where no one is known yet): refused
before it is read when it states a larger length, and the moment it passes the limit when it does
not. A browser that sent a form gets the refusal as a small Dutch page, a script as JSON.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..content.fields import web_origin
from .settings import ServeSettings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SCREEN_WRITES = "/api/screens/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPES = ("application/json",)
REFUSED_POLICY = "default-src 'none'; style-src 'unsafe-inline'"  # base.html's own styles, nothing else
MAX_BODY = 2**20  # any request's body, unless its route is given a larger limit (the studio's picture upload)


class SameOriginGuard:
    """ASGI middleware: refuses (403, a Dutch message) what `refusal` refuses; passes everything else on."""

    def __init__(self, app, settings: ServeSettings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and not scope["path"].startswith(SCREEN_WRITES):
            reason = refusal(Request(scope), self.settings.trusted_origins)
            if reason:
                return await refused(scope, 403, reason)(scope, receive, send)
        await self.app(scope, receive, send)


class _TooBig(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a request body over its route's limit is refused (413, a Dutch message).
    `larger` gives routes a limit of their own: (path pattern, bytes, the refusal in words)."""

    def __init__(self, app, larger: tuple[tuple[re.Pattern, int, str], ...] = ()):
        self.app, self.larger = app, larger

    def limit(self, path: str) -> tuple[int, str]:
        for pattern, limit, message in self.larger:
            if pattern.fullmatch(path):
                return limit, message
        return MAX_BODY, f"Te groot: dit adres neemt hoogstens {size_in_words(MAX_BODY)}."

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, message = self.limit(scope["path"])
        length = Request(scope).headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await refused(scope, 413, message)(scope, receive, send)
        seen, started = 0, False

        async def counted():
            nonlocal seen
            event = await receive()
            if event["type"] == "http.request":
                seen += len(event.get("body", b""))
                if seen > limit:
                    raise _TooBig
            return event

        async def sending(event):
            nonlocal started
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            await self.app(scope, counted, sending)
        except _TooBig:
            if not started:
                await refused(scope, 413, message)(scope, receive, send)


def size_in_words(limit: int) -> str:
    return f"{limit / 2**20:.1f} MB".replace(".0 MB", " MB").replace(".", ",")


def refused(scope, status: int, message: str) -> Response:
    """A refusal as the asker reads it: a page for a browser's form, JSON for a script and the API."""
    request = Request(scope)
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message}, status_code=status)
    from .dashboard import TEMPLATES

    body = TEMPLATES.get_template("refused.html").render(
        title="Te groot" if status == 413 else "Geweigerd", message=message, back=_back_link(request))
    return HTMLResponse(body, status_code=status, headers={"Content-Security-Policy": REFUSED_POLICY,
                                                           "X-Content-Type-Options": "nosniff"})


def _back_link(request: Request) -> str:
    """The path of the page the request came from when it is one of ours, else the start page."""
    back = urlsplit(request.headers.get("referer", ""))
    ours = own_origin(request) is not None and web_origin(f"{back.scheme}://{back.netloc}") == own_origin(request)
    return back.path if ours and back.path.startswith("/") and not back.path.startswith("//") else "/"


def refusal(request: Request, trusted: frozenset[str] = frozenset()) -> str | None:
    """Why this request may not change anything, in Dutch; None when it may."""
    return _origin_refusal(request, trusted) or _type_refusal(request)


def own_origin(request: Request) -> str | None:
    """The origin the browser used to reach us: the scheme as the request came in, the Host it named."""
    host = request.headers.get("host")
    return web_origin(f"{request.url.scheme}://{host}") if host else None


def _origin_refusal(request: Request, trusted: frozenset[str]) -> str | None:
    sent = request.headers.get("origin")
    if sent is None and request.headers.get("referer"):
        parts = urlsplit(request.headers["referer"])
        sent = f"{parts.scheme}://{parts.netloc}"
    if sent is None:
        if request.headers.get("authorization", "").lower().startswith("bearer "):
            return None
        return ("Geweigerd: het verzoek zegt niet van welke pagina het komt (geen Origin of Referer). Gebruik het "
                "dashboard in de browser, of vanuit een script een API-token (Authorization: Bearer …).")
    origin = web_origin(sent)
    if origin is not None and (origin == own_origin(request) or origin in trusted):
        return None
    return (f"Geweigerd: dit verzoek komt van een andere website ({sent[:100]}), niet van {own_origin(request)}. "
            "Staat narrowcast achter een proxy met een eigen adres? Zet dat adres dan onder trusted_origins "
            "in narrowcast.yaml.")


def _type_refusal(request: Request) -> str | None:
    if request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers:
        return None  # no body, nothing to misread
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    wanted = JSON_TYPES if request.url.path.startswith("/api/") else FORM_TYPES
    if kind in wanted:
        return None
    return f"Geweigerd: dit adres neemt {' of '.join(wanted)}, niet {kind or 'een verzoek zonder Content-Type'}."
