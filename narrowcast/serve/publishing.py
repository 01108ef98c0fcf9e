"""Four-eyes publishing over HTTP: the same steps as the command line, behind login and roles.

The rules are review/flow.py's; here a step's build runs in the server's build worker (its kept
Chromium), so an approval reaches the screens as fast as a saved file used to. Every POST passes
the cross-site guard (serve/guard.py) like any other action. Answers are JSON with Dutch errors:
401 not logged in, 403 not allowed (role, four eyes), 404 unknown id, 409 no longer possible
(stale, decided), 422 the content does not pass its checks.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import NarrowcastError
from .auth import login_needed, needs_login
from .health import read_json

if TYPE_CHECKING:
    from ..review.flow import Step
    from .server import Server

MAX_BODY = 8_192


def routes(server: "Server") -> list[Route]:
    return [*_reading_routes(server), *_step_routes(server)]


def _reading_routes(server: "Server") -> list[Route]:
    from ..review.listing import history_data, proposal_data, verify_data

    api = needs_login(server, login_needed)

    @api
    async def list_proposals(request: Request, user: str) -> Response:
        shown = await asyncio.to_thread(proposal_data, server.root, server.clock())
        return JSONResponse({"proposals": shown}, headers={"Cache-Control": "no-store"})

    @api
    async def list_history(request: Request, user: str) -> Response:
        if request.query_params.get("verify"):
            return JSONResponse(await asyncio.to_thread(verify_data, server.root), headers={"Cache-Control": "no-store"})
        return JSONResponse({"history": await asyncio.to_thread(history_data, server.root)},
                            headers={"Cache-Control": "no-store"})

    return [Route("/api/proposals", list_proposals, methods=["GET"]),
            Route("/api/history", list_history, methods=["GET"])]


def _step_routes(server: "Server") -> list[Route]:
    from ..review import flow
    from ..review.listing import record_data

    api = needs_login(server, login_needed)

    @api
    async def propose(request: Request, user: str) -> Response:
        data, refused = await read_json(request, MAX_BODY)
        if refused:
            return refused
        try:
            message, force = _text(data, "message"), _text(data, "force_reason")
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return await _run(server, lambda root, now: flow.publish_step(root, user, now, message, force))

    @api
    async def approve(request: Request, user: str) -> Response:
        seq = _id(request)
        return await _run(server, lambda root, now: flow.approve_step(root, seq, user, now))

    @api
    async def reject(request: Request, user: str) -> Response:
        data, refused = await read_json(request, MAX_BODY)
        if refused:
            return refused
        try:
            reason = _text(data, "reason") or ""
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            record = await asyncio.to_thread(flow.reject, server.root, _id(request), user, reason, server.clock())
        except NarrowcastError as exc:
            return _refusal(exc)
        return JSONResponse(record_data(record), status_code=201)

    @api
    async def rollback(request: Request, user: str) -> Response:
        seq = _id(request)
        return await _run(server, lambda root, now: flow.rollback_step(root, seq, user, now))

    return [
        Route("/api/proposals", propose, methods=["POST"]),
        Route("/api/proposals/{id:int}/approve", approve, methods=["POST"]),
        Route("/api/proposals/{id:int}/reject", reject, methods=["POST"]),
        Route("/api/history/{id:int}/rollback", rollback, methods=["POST"]),
    ]


async def _run(server: "Server", step_of) -> Response:
    status, data = await run_step(server, step_of)
    return JSONResponse(data, status_code=status)


async def run_step(server: "Server", step_of) -> tuple[int, dict]:
    """Decide (in a thread: it reads files), build through the worker, record; or say why not.
    (HTTP status, JSON data): the API answers it, the studio's forms show it."""
    from ..review.listing import record_data
    from ..state.files import step_lock

    held = ExitStack()  # the step lock, from the decision to the record (released by closing its file)
    try:
        await asyncio.to_thread(held.enter_context, step_lock(server.root))
        now = server.clock()
        step: "Step" = await asyncio.to_thread(step_of, server.root, now)
        outcome = await server.publish(_reason(step), step.options, now)
        if not outcome.ok:
            return 422 if outcome.content else 500, {"error": outcome.error,
                                                     "findings": [f.as_dict() for f in outcome.findings]}
        record = await asyncio.to_thread(step.done, outcome.versions, outcome.out)
    except NarrowcastError as exc:
        return refusal(exc)
    finally:
        held.close()
    return 201, record_data(record)


def _reason(step: "Step") -> str:
    return "goedgekeurd of teruggezet" if step.publishes else "voorstel controleren"


def _id(request: Request) -> int:
    return int(request.path_params["id"])


def _text(data, key: str) -> str | None:
    """A text field of a JSON object body; absent or empty is None, anything but text a Dutch 400."""
    if not isinstance(data, dict):
        raise ValueError("stuur een JSON-object, bijvoorbeeld {\"" + key + "\": \"…\"}")
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} moet tekst zijn")
    return (value or "").strip() or None


def refusal(exc: NarrowcastError) -> tuple[int, dict]:
    """A refused step as (HTTP status, JSON data): 422 with the findings for content, else the rule's status."""
    from ..errors import ContentError

    if isinstance(exc, ContentError):
        return 422, {"error": str(exc), "findings": [f.as_dict() for f in exc.findings]}
    return getattr(exc, "status", 400), {"error": str(exc)}


def _refusal(exc: NarrowcastError) -> Response:
    status, data = refusal(exc)
    return JSONResponse(data, status_code=status)
