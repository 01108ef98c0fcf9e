"""Screens report in: heartbeats and play events, accepted only from known screens, small and slow.

Also the pure side of the dashboard: which screen is online, what it plays, whether it is behind.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..state.records import PLAYS_AHEAD, RETENTION_DAYS, Heartbeat, Records

HEARTBEAT_SECONDS = 60
OFFLINE_AFTER = timedelta(seconds=1.1 * HEARTBEAT_SECONDS + 30)  # 1.1 × the interval plus a grace
MAX_HEARTBEAT_BYTES = 4_096
MAX_PLAYS_BYTES = 32_768
MAX_PLAYS_PER_POST = 100


MAX_BUCKETS = 10_000  # keys kept per limit; the least recently used half goes when it is full


class BadBody(ValueError):
    """A screen's report that is not of the agreed shape; the message says what, in Dutch."""


class RateLimit:
    """A token bucket per key: `rate` requests per `per` seconds, with bursts up to `burst`."""

    def __init__(self, rate: float, per: float, burst: int):
        self.rate, self.per, self.burst = rate, per, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate / self.per)
        allowed = tokens >= 1
        if len(self._buckets) >= MAX_BUCKETS:
            for old in list(self._buckets)[:MAX_BUCKETS // 2]:
                del self._buckets[old]
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)  # re-inserted: the newest at the end
        return allowed


def heartbeat_limit() -> RateLimit:
    return RateLimit(rate=6, per=60, burst=6)  # a screen beats once a minute; six is plenty


def plays_limit() -> RateLimit:
    return RateLimit(rate=30, per=60, burst=30)


def client_limit() -> RateLimit:
    """All screen writes from one address: a stranger cannot flood, and many screens behind one NAT still fit."""
    return RateLimit(rate=120, per=60, burst=120)


async def read_json(request: Request, limit: int):
    """The request's JSON body, or an error response when it is too big or not JSON."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        return None, JSONResponse({"error": f"te groot; hoogstens {limit} bytes"}, status_code=413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None, JSONResponse({"error": f"te groot; hoogstens {limit} bytes"}, status_code=413)
    try:
        return json.loads(body, parse_constant=_no_constant), None
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        return None, JSONResponse({"error": "geen geldige JSON"}, status_code=400)


def _no_constant(name: str):
    raise ValueError(f"{name} is geen getal in JSON")


class ScreenGate:
    """Checks shared by all screen writes, cheapest first: the client's own limit over all screens, a
    known id, the screen's key, then that screen's limit for that client. A stranger's refused tries
    never use up what the real screen may send."""

    def __init__(self, records: Records, keys_required: Callable[[], bool]):
        self.records, self.keys_required = records, keys_required
        self.clients = client_limit()

    def check(self, request: Request, known: set[str], limit: RateLimit, now: float) -> tuple[str, Response | None]:
        screen = request.path_params["screen"]
        client = request.client.host if request.client else "?"
        if not self.clients.allow(client, now):
            return screen, _too_often()
        if screen not in known:
            return screen, JSONResponse({"error": "onbekend scherm"}, status_code=404)
        key = request.headers.get("x-screen-key") or request.query_params.get("key")
        required = self.keys_required()
        if not self.records.screen_key_ok(screen, key, required):
            if required and not self.records.has_screen_key(screen):
                return screen, JSONResponse({"error": f"scherm {screen} heeft nog geen sleutel; maak er een met "
                                             f"'narrowcast screen-key {screen}' en zet die in de speler-URL (&key=…)"},
                                            status_code=403)
            return screen, JSONResponse({"error": "verkeerde sleutel voor dit scherm"}, status_code=403)
        if not limit.allow(f"{screen} {client}", now):
            return screen, _too_often()
        return screen, None


def _too_often() -> Response:
    return JSONResponse({"error": "te vaak; wacht even en probeer het opnieuw"}, status_code=429,
                        headers={"Retry-After": "10"})


def _text(value, size: int) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadBody("een veld van de hartslag heeft de verkeerde soort waarde; hier hoort tekst (of null)")
    return value[:size] if value is not None else None


def parse_heartbeat(screen: str, data, now: datetime) -> Heartbeat | None:
    if not isinstance(data, dict):
        return None
    offset = data.get("offset_ms")
    return Heartbeat(screen, now, _text(data.get("version"), 64), _text(data.get("item"), 200),
                     _text(data.get("resolution"), 20), _text(data.get("user_agent"), 300),
                     int(offset) if isinstance(offset, (int, float)) and abs(offset) < 10**10 else None,
                     _text(data.get("problem"), 300))


def parse_plays(data, now: datetime) -> list[tuple[str, datetime, float]]:
    """{"plays": [{item, start (ISO with zone), seconds}]} -> rows; raises BadBody when the shape is wrong.

    Plays older than the retention or later than now (plus a little) are left out: kept, they would
    never be pruned, or would count as recent for ever.
    """
    if not isinstance(data, dict) or not isinstance(data.get("plays"), list):
        raise BadBody("verwacht een object met 'plays': een lijst van vertoningen")
    if len(data["plays"]) > MAX_PLAYS_PER_POST:
        raise BadBody(f"hoogstens {MAX_PLAYS_PER_POST} vertoningen per keer")
    earliest, latest = now - timedelta(days=RETENTION_DAYS), now + PLAYS_AHEAD
    rows = [_play(i, play) for i, play in enumerate(data["plays"])]
    return [row for row in rows if earliest <= row[1] <= latest]


def _play(i: int, play) -> tuple[str, datetime, float]:
    where = f"plays[{i}]"
    if not isinstance(play, dict):
        raise BadBody(f"{where}: hier hoort een object met item, start en seconds")
    item, start, seconds = play.get("item"), play.get("start"), play.get("seconds")
    if not isinstance(item, str) or not item or not item.isprintable():
        raise BadBody(f"{where}.item: hier hoort de id van het item (tekst zonder stuurtekens)")
    moment = _moment(start)
    if moment is None:
        raise BadBody(f"{where}.start: hier hoort een moment met tijdzone, zoals 2026-11-23T09:00:00Z")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
        raise BadBody(f"{where}.seconds: hier hoort een aantal seconden van 0 tot 3600")
    return item[:200], moment, float(seconds)


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(timezone.utc) if moment.tzinfo else None
    except (ValueError, OverflowError):  # OverflowError: year 1 with an offset falls outside datetime's range
        return None


def screen_status(beat: Heartbeat | None, newest: str | None, now: datetime) -> dict:
    """Online or offline, newest version or behind: what the dashboard says about one screen."""
    if beat is None:
        return {"online": False, "last_seen": None, "behind": None, "version": None, "item": None,
                "offset_ms": None, "resolution": None, "user_agent": None, "problem": None}
    return {"online": now - beat.at <= OFFLINE_AFTER, "last_seen": beat.at.isoformat(),
            "behind": beat.version != newest, "version": beat.version, "item": beat.item,
            "offset_ms": beat.offset_ms, "resolution": beat.resolution, "user_agent": beat.user_agent,
            "problem": beat.problem}


def plays_by_item(counts: dict[tuple[str, str], tuple[int, float]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (_screen, item), (plays, _seconds) in counts.items():
        totals[item] += plays
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
