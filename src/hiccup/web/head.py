"""HEAD wherever GET works, and a 405's `Allow` naming every method the address takes.

FastAPI registers a `@router.get` route for GET alone (Starlette's own routes add HEAD,
FastAPI's do not), so a HEAD to any admin or API page was a 405: this answers HEAD as the GET it
stands for, headers and length included, without the body. And Starlette's router builds a
405's Allow from the first route whose path matched, so `PUT /monitors` said `Allow: GET` though
POST works too: this names the methods of every route at that path.

Only around apps whose GET answers end (the admin and the API): the public page's live stream
never ends, and the public server answers HEAD itself.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @property
    def routes(self) -> list[BaseRoute]:
        """The wrapped app's, so a Mount around this still finds them (url_for, listings)."""
        routes: list[BaseRoute] = getattr(self.app, "routes", [])
        return routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        asked = dict(scope)  # the router writes into the scope it is given

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = ", ".join(sorted(self._allowed(asked)))
                rest = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*rest, (b"allow", allow.encode())]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, answer)

    def _allowed(self, scope: Scope) -> set[str]:
        # Asked method by method: FastAPI's included routers answer a full match only.
        routes = getattr(getattr(self.app, "router", None), "routes", ())
        methods = {
            method
            for method in _METHODS
            if any(r.matches({**scope, "method": method})[0] is Match.FULL for r in routes)
        }
        if "GET" in methods:
            methods.add("HEAD")
        return methods
