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
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..content.fields import web_origin
from .settings import ServeSettings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SCREEN_WRITES = "/api/screens/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPES = ("application/json",)


class SameOriginGuard:
    """ASGI middleware: refuses (403, a Dutch message) what `refusal` refuses; passes everything else on."""

    def __init__(self, app, settings: ServeSettings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and not scope["path"].startswith(SCREEN_WRITES):
            reason = refusal(Request(scope), self.settings.trusted_origins)
            if reason:
                return await JSONResponse({"error": reason}, status_code=403)(scope, receive, send)
        await self.app(scope, receive, send)


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
