"""The public server's live streams as both ASGI servers see them: found inside the layers the
runtime wraps the app in, closed first at shutdown, and kept to a share of the connections."""

from __future__ import annotations

from hiccup.web.edge import Edge
from hiccup.web.forwarded import TrustedProxies
from hiccup.web.limits import ServeLimits
from hiccup.web.public.serve import PublicServer


def _public_server(app: object) -> PublicServer | None:
    # The public server sits inside the layers the runtime wraps it in: Edge always, and
    # TrustedProxies with trusted_proxies set. Missing it once made every shutdown wait out
    # the graceful timeout for each open page's stream.
    while isinstance(app, Edge | TrustedProxies):
        app = app.app
    return app if isinstance(app, PublicServer) else None


def close_streams(app: object) -> None:
    if (public := _public_server(app)) is not None:
        public.close_streams()


def leave_room_for_visitors(app: object, limits: ServeLimits) -> None:
    # Every open page holds a live stream, and a stream holds a connection: streams may take
    # three quarters of the cap, so a crowd of open tabs cannot keep new visitors out.
    if (public := _public_server(app)) is not None:
        public.live.limit = min(public.live.limit, max(1, limits.max_connections * 3 // 4))
