"""The studio's review page: propose the working copy, approve or reject proposals, roll back.

The same steps as the command line and the JSON API (review/flow.py, run in the build worker by
serve/publishing.run_step), as forms: each POST answers with the page and what happened.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..publishing import run_step

if TYPE_CHECKING:
    from ..server import Server

HISTORY_SHOWN = 30


def review_routes(server: "Server", staff, page, render) -> list[Route]:
    from ...review import flow

    async def shown(user: str, notice: str = "", problem: str = "", findings=(), status: int = 200) -> Response:
        from ...review.listing import history_data, proposal_data

        proposals = await asyncio.to_thread(proposal_data, server.root, server.clock())
        history = (await asyncio.to_thread(history_data, server.root))[:HISTORY_SHOWN]
        role = server.records.role(user)
        return page(render("review.html", user=user, proposals=proposals, history=history, notice=notice,
                           problem=problem, findings=list(findings), may_decide=role in ("eindredacteur", "beheerder"),
                           here="voorstellen"), status)

    async def outcome(user: str, status: int, data: dict, done: str) -> Response:
        if status == 201:
            return await shown(user, notice=done.format(**data))
        return await shown(user, problem=data.get("error", "dat lukte niet"), findings=data.get("findings", ()),
                           status=status)

    @staff
    async def review(request: Request, user: str) -> Response:
        return await shown(user)

    @staff
    async def propose(request: Request, user: str) -> Response:
        form = await request.form()
        message = str(form.get("message", "")).strip() or None
        status, data = await run_step(server, lambda root, now: flow.publish_step(root, user, now, message))
        done = ("Gepubliceerd (publicatie {id})." if data.get("kind") == "publicatie"
                else "Voorstel {id} staat klaar. Een collega-eindredacteur keurt het goed.")
        return await outcome(user, status, data, done)

    @staff
    async def approve(request: Request, user: str) -> Response:
        seq = request.path_params["id"]
        status, data = await run_step(server, lambda root, now: flow.approve_step(root, seq, user, now))
        return await outcome(user, status, data, f"Voorstel {seq} is goedgekeurd en staat op de schermen (publicatie {{id}}).")

    @staff
    async def reject(request: Request, user: str) -> Response:
        from ...errors import NarrowcastError
        from ..publishing import refusal

        seq, form = request.path_params["id"], await request.form()
        try:
            record = await asyncio.to_thread(flow.reject, server.root, seq, user, str(form.get("reason", "")),
                                             server.clock())
        except NarrowcastError as exc:
            status, data = refusal(exc)
            return await outcome(user, status, data, "")
        return await shown(user, notice=f"Voorstel {seq} is afgewezen (record {record.seq}). Er is niets gepubliceerd.")

    @staff
    async def rollback(request: Request, user: str) -> Response:
        seq = request.path_params["id"]
        status, data = await run_step(server, lambda root, now: flow.rollback_step(root, seq, user, now))
        return await outcome(user, status, data, f"Publicatie {seq} staat weer op de schermen (publicatie {{id}}).")

    return [
        Route("/studio/voorstellen", review, methods=["GET"]),
        Route("/studio/voorstellen", propose, methods=["POST"]),
        Route("/studio/voorstellen/{id:int}/goedkeuren", approve, methods=["POST"]),
        Route("/studio/voorstellen/{id:int}/afwijzen", reject, methods=["POST"]),
        Route("/studio/geschiedenis/{id:int}/terugzetten", rollback, methods=["POST"]),
    ]
