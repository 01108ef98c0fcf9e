"""Screens report in: heartbeats and play events, accepted only from known screens, small and slow.

Also the pure side of the dashboard: which screen is online, what it plays, whether it is behind.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..records import Heartbeat, Records

HEARTBEAT_SECONDS = 60
OFFLINE_AFTER = timedelta(seconds=1.1 * HEARTBEAT_SECONDS + 30)  # 1.1 × the interval plus a grace
MAX_HEARTBEAT_BYTES = 4_096
MAX_PLAYS_BYTES = 32_768
MAX_PLAYS_PER_POST = 100


class RateLimit:
    """A token bucket per key: `rate` requests per `per` seconds, with bursts up to `burst`."""

    def __init__(self, rate: float, per: float, burst: int):
        self.rate, self.per, self.burst = rate, per, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate / self.per)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed


def heartbeat_limit() -> RateLimit:
    return RateLimit(rate=6, per=60, burst=6)  # a screen beats once a minute; six is plenty


def plays_limit() -> RateLimit:
    return RateLimit(rate=30, per=60, burst=30)


async def read_json(request: Request, limit: int):
    """The request's JSON body, or an error response when it is too big or not JSON."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        return None, JSONResponse({"error": "te groot"}, status_code=413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None, JSONResponse({"error": "te groot"}, status_code=413)
    try:
        return json.loads(body), None
    except (ValueError, UnicodeDecodeError):
        return None, JSONResponse({"error": "geen geldige JSON"}, status_code=400)


def screen_gate(request: Request, records: Records, known: set[str], limit: RateLimit) -> tuple[str, Response | None]:
    """Checks shared by all screen writes: known id, the screen's own key, the rate limit."""
    screen = request.path_params["screen"]
    if screen not in known:
        return screen, JSONResponse({"error": "onbekend scherm"}, status_code=404)
    key = request.headers.get("x-screen-key") or request.query_params.get("key")
    if not records.screen_key_ok(screen, key):
        return screen, JSONResponse({"error": "verkeerde sleutel voor dit scherm"}, status_code=403)
    if not limit.allow(screen):
        return screen, JSONResponse({"error": "te vaak"}, status_code=429, headers={"Retry-After": "10"})
    return screen, None


def _text(value, size: int) -> str | None:
    return str(value)[:size] if value is not None else None


def parse_heartbeat(screen: str, data, now: datetime) -> Heartbeat | None:
    if not isinstance(data, dict):
        return None
    offset = data.get("offset_ms")
    return Heartbeat(screen, now, _text(data.get("version"), 64), _text(data.get("item"), 200),
                     _text(data.get("resolution"), 20), _text(data.get("user_agent"), 300),
                     int(offset) if isinstance(offset, (int, float)) and abs(offset) < 10**10 else None)


def parse_plays(data) -> list[tuple[str, datetime, float]] | None:
    """[{item, start (ISO), seconds}] -> rows; None when the shape is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("plays"), list) or len(data["plays"]) > MAX_PLAYS_PER_POST:
        return None
    rows = []
    for play in data["plays"]:
        try:
            start = datetime.fromisoformat(str(play["start"]).replace("Z", "+00:00"))
            seconds = float(play["seconds"])
        except (KeyError, TypeError, ValueError):
            return None
        if start.tzinfo is None or not 0 <= seconds <= 3600:
            return None
        rows.append((str(play["item"])[:200], start.astimezone(timezone.utc), seconds))
    return rows


def screen_status(beat: Heartbeat | None, newest: str | None, now: datetime) -> dict:
    """Online or offline, newest version or behind: what the dashboard says about one screen."""
    if beat is None:
        return {"online": False, "last_seen": None, "behind": None, "version": None, "item": None,
                "offset_ms": None, "resolution": None, "user_agent": None}
    return {"online": now - beat.at <= OFFLINE_AFTER, "last_seen": beat.at.isoformat(),
            "behind": beat.version != newest, "version": beat.version, "item": beat.item,
            "offset_ms": beat.offset_ms, "resolution": beat.resolution, "user_agent": beat.user_agent}


def plays_by_item(counts: dict[tuple[str, str], tuple[int, float]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (_screen, item), (plays, _seconds) in counts.items():
        totals[item] += plays
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
