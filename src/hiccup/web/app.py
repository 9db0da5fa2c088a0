"""The ASGI application: public routes served from the snapshot, plus health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from hiccup.snapshot import HTML, SnapshotHolder
from hiccup.web.public.render import render_not_found, style_csp_source

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

STARTING = "Starting up; the status page will be here in a moment.\n"

# Short enough that a CDN or browser sees a new incident within seconds.
CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400"


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return etag in candidates or "*" in candidates


def public_handler(holder: SnapshotHolder) -> Callable[[Request], Awaitable[Response]]:
    # async on purpose: Starlette runs plain functions in a thread pool, which costs per request.
    async def serve(request: Request) -> Response:
        asset = holder.get(request.url.path)
        if asset is None:
            if holder.current is None:
                return Response(
                    "Starting up; the status page will be here in a moment.\n",
                    503,
                    {"retry-after": "2"},
                )
            return Response(render_not_found(None), 404, SECURITY_HEADERS, media_type=HTML)
        headers = {"etag": asset.etag, "cache-control": CACHE_CONTROL, **SECURITY_HEADERS}
        if asset.content_type.startswith("application/json"):
            headers["access-control-allow-origin"] = "*"
        headers["vary"] = "accept-encoding"
        if _etag_matches(request.headers.get("if-none-match"), asset.etag):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["content-encoding"] = "gzip"
            return Response(asset.gzipped, 200, headers, media_type=asset.content_type)
        return Response(asset.body, 200, headers, media_type=asset.content_type)

    return serve


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

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        ready = holder.current is not None
        return JSONResponse({"status": "ok" if ready else "starting"}, 200 if ready else 503)

    if ping_router is not None:
        # Before the catch-all below, which would otherwise answer GET /ping/... itself.
        app.include_router(ping_router)
    # Also before the catch-all: subscribe, confirm and unsubscribe (hiccup.notify.web).
    app.router.routes.extend(extra_routes)
    serve = public_handler(holder)
    for path in ("/", "/api/v2/{name:path}"):
        app.router.add_route(path, serve, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/{path:path}", serve, methods=["GET", "HEAD"], include_in_schema=False)
    return app


def no_lifespan() -> Lifespan:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    return lifespan
