"""Heartbeat routes: `GET|HEAD|POST /ping/<token>`, `/ping/<token>/start`, `/ping/<token>/fail`.

Answers are short plain text so `curl -fsS` in a crontab line is all a job needs. Any request
body is ignored and never read.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import PlainTextResponse

from hiccup.engine.heartbeats import PingDesk, Signal

# A ping is an event, not a resource: no cache between the job and Hiccup may answer it.
_NO_STORE = {"cache-control": "no-store"}


def ping_router(desk: PingDesk) -> APIRouter:
    router = APIRouter()

    async def answer(token: str, signal: Signal) -> PlainTextResponse:
        if not await desk.ping(token, signal):
            return PlainTextResponse("unknown ping token\n", 404, _NO_STORE)
        return PlainTextResponse("OK\n", 200, _NO_STORE)

    # HEAD counts as a ping, as GET does: some monitors and scripts only send HEAD.
    methods = ["GET", "HEAD", "POST"]

    @router.api_route("/ping/{token}", methods=methods, include_in_schema=False)
    async def ping(token: str) -> PlainTextResponse:
        return await answer(token, Signal.OK)

    @router.api_route(
        "/ping/{token}/start", methods=["GET", "HEAD", "POST"], include_in_schema=False
    )
    async def start(token: str) -> PlainTextResponse:
        return await answer(token, Signal.START)

    @router.api_route(
        "/ping/{token}/fail", methods=["GET", "HEAD", "POST"], include_in_schema=False
    )
    async def fail(token: str) -> PlainTextResponse:
        return await answer(token, Signal.FAIL)

    return router
