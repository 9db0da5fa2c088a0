"""`/api/v1/probe/`: the two calls a probe makes, authenticated by a probe token only.

Plain Starlette routes in front of the operator API, answering errors in its shape
(`{"error": {"code", "message", "fields"}}`). Probe tokens open nothing else, and the
operators' API tokens do not open these.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hiccup.config.model import REGION_PATTERN
from hiccup.engine.probe_desk import ProbeDesk
from hiccup.probe.wire import (
    ASSIGNMENTS_PATH,
    RESULTS_PATH,
    AssignedMonitor,
    Assignments,
    BatchReceipt,
    ResultBatch,
)
from hiccup.web.api.deps import error_body

MAX_BODY_BYTES = 4 * 1024 * 1024  # a full batch of 1,000 results is far below this
_NO_STORE = {"cache-control": "no-store"}
_REGION = re.compile(REGION_PATTERN)


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def response(self) -> JSONResponse:
        fields = {self.field: self.message} if self.field else {}
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["www-authenticate"] = "Bearer"
        return JSONResponse(error_body(self.code, self.message, fields), self.status, headers)


def _credentials(request: Request) -> tuple[str, str]:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _Refused(401, "unauthenticated", "send `Authorization: Bearer <probe token>`")
    region = request.query_params.get("region", "")
    if not _REGION.match(region):
        raise _Refused(422, "validation_failed", "region: a-z, 0-9, _ and -", "region")
    return token.strip(), region


def _unknown() -> _Refused:
    return _Refused(401, "unauthenticated", "not a probe token, or revoked")


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(413, "too_large", f"a batch is at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _batch(raw: bytes) -> ResultBatch:
    try:
        return ResultBatch.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise _Refused(422, "validation_failed", f"{field}: {first['msg']}", field) from None


def probe_routes(desk: ProbeDesk) -> list[BaseRoute]:
    async def assignments(request: Request) -> Response:
        try:
            token, region = _credentials(request)
            assigned = await desk.assignments(token, region)
            if assigned is None:
                raise _unknown()
        except _Refused as refused:
            return refused.response()
        body = Assignments(
            probe=assigned.probe.name,
            region=region,
            monitors=[AssignedMonitor.of(spec) for spec in assigned.specs],
        ).model_dump_json(exclude_none=True)
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
        headers = {**_NO_STORE, "etag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, 200, headers, media_type="application/json")

    async def results(request: Request) -> Response:
        try:
            token, region = _credentials(request)
            batch = _batch(await _body(request))
            timed = [r.timed() for r in batch.results]
            receipt = await desk.upload(token, region, timed, batch.dropped)
            if receipt is None:
                raise _unknown()
        except _Refused as refused:
            return refused.response()
        body = BatchReceipt(**asdict(receipt)).model_dump_json()
        return Response(body, 200, _NO_STORE, "application/json")

    return [
        Route(ASSIGNMENTS_PATH, assignments, methods=["GET"]),
        Route(RESULTS_PATH, results, methods=["POST"]),
    ]
