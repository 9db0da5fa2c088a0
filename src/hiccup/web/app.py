"""The ASGI application: public routes served from the snapshot, plus health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from hiccup.snapshot.builder import SnapshotHolder
from hiccup.snapshot.render import style_csp_source
from hiccup.web.headers import SecurityHeaders
from hiccup.web.public.serve import PublicServer
from hiccup.web.unavailable import answer_unavailable, plain_unavailable

_CSP = (
    "default-src 'none'; style-src {style}; img-src 'self' data:; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    # The page's only style is its inline sheet, allowed by hash: no 'unsafe-inline'.
    "content-security-policy": _CSP.format(style=style_csp_source()),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    holder: SnapshotHolder,
    lifespan: Lifespan | None = None,
    *,
    ping_router: APIRouter | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> FastAPI:
    app = FastAPI(
        title="Hiccup", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )

    @app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
    def healthz() -> JSONResponse:
        ready = holder.current is not None
        return JSONResponse({"status": "ok" if ready else "starting"}, 200 if ready else 503)

    if ping_router is not None:
        # Before the catch-all below, which would otherwise answer GET /ping/... itself.
        app.include_router(ping_router)
    # Also before the catch-all: subscribe, confirm and unsubscribe (hiccup.web.public).
    app.router.routes.extend(extra_routes)
    # The snapshot, /live and the 404 page: the same server that runs in front of this app
    # (hiccup.web.public.serve), so a request answers the same whichever way it came.
    serve = PublicServer(holder)
    app.router.routes.append(Route("/{path:path}", serve, methods=["GET", "HEAD"]))
    # Every response, admin and API included; a route's own headers (the admin's CSP) win.
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)
    # Heartbeat pings and subscribe forms write to the database too.
    answer_unavailable(app, plain_unavailable)
    return app


def no_lifespan() -> Lifespan:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    return lifespan
