"""Who is logged in: the session cookie, API tokens, and a growing wait after failed logins."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..state.records import SESSION_HOURS

if TYPE_CHECKING:
    from .server import Server

SESSION_COOKIE = "nc_session"
HOST_COOKIE = "__Host-nc_session"  # under HTTPS: no sibling sub-domain or port can set it, the browser sees to that
FREE_TRIES = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)
MAX_COUNTS = 10_000


def cookie_name(request: Request) -> str:
    """HTTPS as the request came in (uvicorn takes X-Forwarded-Proto only from trusted proxies)."""
    return HOST_COOKIE if request.url.scheme == "https" else SESSION_COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(cookie_name(request), token, max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(cookie_name(request), path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


def current_user(server: "Server", request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return server.records.token_user(auth[7:].strip(), server.clock())
    token = session_token(request)
    return server.records.session_user(token, server.clock()) if token else None


Guarded = Callable[[Request, str], Awaitable[Response]]  # a handler that gets the user's name too


def needs_login(server: "Server", refused: Callable[[], Response]) -> Callable[[Guarded], Callable]:
    """A decorator: the handler runs only for a logged-in user (and gets the name); others get `refused()`."""

    def guard(handler: Guarded):
        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            user = current_user(server, request)
            if user is None:
                return refused()
            return await handler(request, user)

        return guarded

    return guard


def login_needed() -> Response:
    """What the JSON API says to a request without a valid session or token."""
    return JSONResponse({"error": "inloggen nodig"}, status_code=401)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


@dataclass
class _Count:
    tries: int
    last: datetime


class LoginThrottle:
    """Login tries per user name and per client address. After FREE_TRIES without a success, each
    further try must wait: 1, 2, 4 … minutes after the last one, at most an hour. A try counts when it
    starts, so a burst of simultaneous guesses is held back too; a success clears both counts. In
    memory: a restart forgets (a restart needs the operator anyway)."""

    def __init__(self) -> None:
        self._counts: dict[str, _Count] = {}

    @staticmethod
    def keys(name: str, request: Request) -> tuple[str, str]:
        return f"naam {name}", f"adres {client_address(request)}"

    def wait(self, keys: tuple[str, ...], now: datetime) -> timedelta:
        """How long these keys must still wait before the next try; zero when they may try now."""
        return max((self._wait(key, now) for key in keys), default=timedelta(0))

    def _wait(self, key: str, now: datetime) -> timedelta:
        count = self._counts.get(key)
        if count is None or count.tries < FREE_TRIES:
            return timedelta(0)
        pause = min(FIRST_WAIT * 2 ** min(count.tries - FREE_TRIES, 10), LONGEST_WAIT)
        return max(timedelta(0), count.last + pause - now)

    def attempt(self, keys: tuple[str, ...], now: datetime) -> None:
        for key in keys:
            count = self._counts.pop(key, None)
            if count is None or now - count.last > FORGET_AFTER:
                count = _Count(0, now)
            count.tries, count.last = count.tries + 1, now
            self._counts[key] = count  # re-inserted: the least recently tried come first
        if len(self._counts) > MAX_COUNTS:
            for old in list(self._counts)[: MAX_COUNTS // 2]:
                del self._counts[old]

    def succeeded(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self._counts.pop(key, None)


def too_many_tries(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"Te veel pogingen; probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw."
