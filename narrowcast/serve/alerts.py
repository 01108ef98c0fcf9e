"""Background duties of the server: prune old records, and tell operators about screens in trouble.

The webhook is off by default; `alerts_webhook:` in narrowcast.yaml turns it on. It is called once
when a screen goes offline or falls behind, and once when it is well again. Both the webhook and
the screens come from the site the server published, so a broken file silences no alert.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from typing import TYPE_CHECKING, Callable

from .dashboard import dashboard_data

if TYPE_CHECKING:
    from .server import Server

log = logging.getLogger("narrowcast.alerts")
CHECK_SECONDS = 30
PRUNE_EVERY = 120  # checks: once an hour


async def watch_health(server: "Server", webhook: Callable[[], str | None]) -> None:
    """Every CHECK_SECONDS: prune now and then, alert when asked; runs until cancelled, whatever fails.

    `webhook` is asked every round (server.alerts_webhook): a webhook added in a good build counts at once.
    """
    known: set[tuple[str, str]] = set()
    rounds = 0
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        rounds += 1
        if rounds % PRUNE_EVERY == 1:
            await _duty("opruimen", server.records.prune, server.clock())
            await _duty("namen uit het logboek", _forget_names, server.root, server.clock())
        url = webhook()
        if url:
            current = await _duty("meldingen", alert_round, server, url, known)
            known = known if current is None else current  # a failed round: compare with the last good one


def _forget_names(root, now) -> int:
    from ..review.flow import forget_names

    return forget_names(root, now)


async def _duty(name: str, work, *args):
    """One round of a duty off the loop; a failing round is logged and the next one comes anyway."""
    try:
        return await asyncio.to_thread(work, *args)
    except Exception as exc:  # noqa: BLE001 - e.g. a locked or damaged database; the server must go on
        # One line, no traceback: a damaged database would otherwise fill the log every round.
        log.error("%s mislukt (%s: %s); over %d s opnieuw", name, type(exc).__name__, exc, CHECK_SECONDS)
        return None


def alert_round(server: "Server", webhook: str, known: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Tell the webhook about problems that began or ended since the last round; returns the current set."""
    data = dashboard_data(server, server.clock())
    current = {(a["screen"], a["problem"]) for a in data["alerts"]}
    for state, changed in (("begin", current - known), ("end", known - current)):
        for screen, problem in sorted(changed):
            post(webhook, {"screen": screen, "problem": problem, "state": state, "time": data["time"]})
    return current


def post(url: str, payload: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except OSError as exc:
        log.warning("webhook %s niet bereikt: %s", url, exc)
