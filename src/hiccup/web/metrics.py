"""GET /metrics: the Prometheus exposition, closed unless the config opens it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hiccup.auth.metrics_access import MetricsAccess
from hiccup.auth.page_access import Admission

Scrape = Callable[[], Awaitable[bytes]]


def metrics_route(access: MetricsAccess, scrape: Scrape) -> Route:
    async def metrics(request: Request) -> Response:
        client = request.client.host if request.client else None
        admission = access.admit(client, request.headers.get("authorization"))
        if admission is Admission.ASK_PASSWORD:
            challenge = {"www-authenticate": 'Bearer realm="hiccup metrics"'}
            return PlainTextResponse("a bearer token is required\n", 401, headers=challenge)
        if admission is not Admission.ADMIT:
            return PlainTextResponse("metrics are closed to this address\n", 403)
        # Imported here, once admitted: a server nobody scrapes never loads prometheus_client.
        from prometheus_client import CONTENT_TYPE_LATEST

        headers = {"cache-control": "no-store"}
        return Response(await scrape(), media_type=CONTENT_TYPE_LATEST, headers=headers)

    return Route("/metrics", metrics, methods=["GET"])
