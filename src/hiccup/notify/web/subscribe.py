"""Public routes: subscribe (form or JSON), confirm, and unsubscribe with RFC 8058 one-click.

Links in mail open a page with a button; only the POST acts. Mail scanners that fetch every
link in a message (GET) then cannot confirm or unsubscribe anyone by themselves, while a mail
client's one-click "Unsubscribe" (a POST to the List-Unsubscribe URL) works without a page.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hiccup.notify.service import Notifications
from hiccup.notify.settings import check_email, check_http_url
from hiccup.notify.subscribers import SignUp, confirm, subscribe, unsubscribe
from hiccup.notify.tokens import Signer, TokenError
from hiccup.notify.web.signup_limits import Refusal, SignUpLimits, client_key
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import subscribers
from hiccup.web.app import SECURITY_HEADERS
from hiccup.web.public.guard import parse_address

MAX_BODY = 16 * 1024

_ENV = Environment(
    loader=ChoiceLoader(
        [PackageLoader("hiccup.notify.web", "templates"), PackageLoader("hiccup.web", "templates")]
    ),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


class FormError(ValueError):
    pass


class SubscribeRoutes:
    def __init__(self, notifications: Notifications) -> None:
        self.n = notifications
        self._limits: tuple[tuple[int, int], SignUpLimits] | None = None

    def _refusal(self, request: Request, now: float) -> Refusal | None:
        settings = self.n.config.subscriptions
        wanted = (settings.per_client_per_hour, settings.per_page_per_hour)
        if self._limits is None or self._limits[0] != wanted:  # new, or the config changed
            self._limits = (wanted, SignUpLimits(*wanted))
        # Behind a trusted reverse proxy, request.client is already the real client.
        client = client_key(parse_address(request.client.host if request.client else None))
        return self._limits[1].admit(client, now)

    @property
    def signer(self) -> Signer:
        if self.n.signer is None:
            raise RuntimeError("notifications are not started")
        return self.n.signer

    async def _page(self) -> dict[str, Any]:
        async with self.n.engine.connect() as conn:
            page = (
                (await conn.execute(select(pages).where(pages.c.slug == self.n.page_slug)))
                .mappings()
                .one()
            )
            query = select(components.c.id, components.c.name).where(
                components.c.page_id == page["id"], components.c.is_group.is_(False)
            )
            listed = (await conn.execute(query.order_by(components.c.position))).mappings().all()
        return {"id": page["id"], "name": page["name"], "components": [dict(c) for c in listed]}

    def html(self, status: int, **context: Any) -> HTMLResponse:
        defaults: dict[str, Any] = {"message": "", "error": "", "form": "", "token": ""}
        defaults |= {"email": "", "webhook": "", "components": [], "chosen": []}
        defaults["allow_webhook"] = False
        body = _ENV.get_template("subscribe_page.html").render(defaults | context)
        return HTMLResponse(body, status, headers=SECURITY_HEADERS)

    @property
    def enabled(self) -> bool:
        subscriptions = self.n.config.subscriptions
        return self.n.config.smtp is not None and (subscriptions.email or subscriptions.webhook)

    async def form(self, request: Request) -> Response:
        page = await self._page()
        if not self.enabled:
            return self.html(
                404,
                title="Subscriptions",
                page_name=page["name"],
                error="This page does not offer subscriptions.",
            )
        return self.html(
            200,
            title="Subscribe to updates",
            page_name=page["name"],
            form="subscribe",
            components=page["components"],
            allow_webhook=self.n.config.subscriptions.webhook,
        )

    async def submit(self, request: Request) -> Response:
        wants_json = request.headers.get("content-type", "").startswith("application/json")
        page = await self._page()
        if not self.enabled:
            return _answer(wants_json, 404, "This page does not offer subscriptions.", self, page)
        try:
            fields = await _fields(request, wants_json)
            sign_up = self._sign_up(fields, page)
        except FormError as error:
            if wants_json:
                return JSONResponse({"error": str(error)}, 422)
            return self.html(
                422,
                title="Subscribe to updates",
                page_name=page["name"],
                form="subscribe",
                error=str(error),
                components=page["components"],
                allow_webhook=self.n.config.subscriptions.webhook,
                email=_first(_fields_of(request), "email"),
            )
        now = self.n.clock.now()
        refusal = self._refusal(request, now.timestamp())
        if refusal is not None:
            return _too_many(wants_json, refusal, self, page)
        settings = self.n.config.subscriptions
        async with self.n.engine.begin() as conn:
            await subscribe(
                conn,
                sign_up,
                self.signer,
                settings.confirm_within,
                now,
                self.n.base_url,
                resend_after=settings.resend_after,
            )
        message = "Almost done: we sent a confirmation link to your email address."
        return _answer(wants_json, 202, message, self, page, ok=True)

    def _sign_up(self, fields: dict[str, list[str]], page: dict[str, Any]) -> SignUp:
        settings = self.n.config.subscriptions
        try:
            email = check_email(_first(fields, "email"))
        except ValueError as error:
            raise FormError(str(error)) from None
        webhook = _first(fields, "webhook").strip() or None
        if webhook is not None:
            if not settings.webhook:
                raise FormError("This page does not offer webhook subscriptions.")
            try:
                check_http_url(webhook)
            except ValueError as error:
                raise FormError(str(error)) from None
        elif not settings.email:
            raise FormError("This page offers webhook subscriptions only: give a webhook URL.")
        known = {c["id"] for c in page["components"]}
        chosen = tuple(dict.fromkeys(fields.get("components", [])))
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise FormError(f"unknown component {unknown[0]!r}")
        return SignUp(page["id"], email, chosen, webhook)

    async def confirm_page(self, request: Request) -> Response:
        page = await self._page()
        token = request.query_params.get("token", "")
        try:
            self.signer.verify(token, "confirm", self.n.clock.now())
            await self._still_pending(token)
        except TokenError as error:
            return self.html(
                400, title="Confirm subscription", page_name=page["name"], error=str(error)
            )
        return self.html(
            200,
            title="Confirm subscription",
            page_name=page["name"],
            form="confirm",
            token=token,
            message="One click and you will get updates from this page.",
        )

    async def _still_pending(self, token: str) -> None:
        claims = self.signer.verify(token, "confirm", self.n.clock.now())
        async with self.n.engine.connect() as conn:
            nonce = (
                await conn.execute(
                    select(subscribers.c.confirm_nonce).where(subscribers.c.id == claims.subject)
                )
            ).scalar_one_or_none()
        if nonce is None or nonce != claims.nonce:
            raise TokenError("This link was used already or is no longer valid.")

    async def confirm(self, request: Request) -> Response:
        page = await self._page()
        now = self.n.clock.now()
        try:
            fields = _parse_form(await _body(request))
            async with self.n.engine.begin() as conn:
                await confirm(conn, _first(fields, "token"), self.signer, now)
        except FormError as error:
            return self.html(
                413, title="Confirm subscription", page_name=page["name"], error=str(error)
            )
        except TokenError as error:
            return self.html(
                400, title="Confirm subscription", page_name=page["name"], error=str(error)
            )
        return self.html(
            200,
            title="Subscribed",
            page_name=page["name"],
            message="You are subscribed. Every mail has a link to unsubscribe.",
        )

    async def unsubscribe_page(self, request: Request) -> Response:
        page = await self._page()
        token = request.query_params.get("token", "")
        try:
            self.signer.verify(token, "unsubscribe", self.n.clock.now())
        except TokenError as error:
            return self.html(400, title="Unsubscribe", page_name=page["name"], error=str(error))
        return self.html(
            200,
            title="Unsubscribe",
            page_name=page["name"],
            form="unsubscribe",
            token=token,
            message="Stop all updates from this page?",
        )

    async def unsubscribe(self, request: Request) -> Response:
        page = await self._page()
        # RFC 8058: the token is in the URL; the body only says "List-Unsubscribe=One-Click".
        try:
            token = request.query_params.get("token") or _first(
                _parse_form(await _body(request)), "token"
            )
        except FormError as error:
            return self.html(413, title="Unsubscribe", page_name=page["name"], error=str(error))
        try:
            async with self.n.engine.begin() as conn:
                await unsubscribe(conn, token, self.signer, self.n.clock.now())
        except TokenError as error:
            return self.html(400, title="Unsubscribe", page_name=page["name"], error=str(error))
        return self.html(
            200,
            title="Unsubscribed",
            page_name=page["name"],
            message="You are unsubscribed and will get no more mail from this page.",
        )

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/subscribe", self.form, methods=["GET"]),
            Route("/subscribe", self.submit, methods=["POST"]),
            Route("/subscribe/confirm", self.confirm_page, methods=["GET"]),
            Route("/subscribe/confirm", self.confirm, methods=["POST"]),
            Route("/unsubscribe", self.unsubscribe_page, methods=["GET"]),
            Route("/unsubscribe", self.unsubscribe, methods=["POST"]),
        ]


def _first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name) or [""]
    return values[0]


def _fields_of(request: Request) -> dict[str, list[str]]:
    return getattr(request.state, "fields", {})


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise FormError("the form is too large")
    return body


def _parse_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


async def _fields(request: Request, wants_json: bool) -> dict[str, list[str]]:
    body = await _body(request)
    if not wants_json:
        fields = _parse_form(body)
    else:
        try:
            data = json.loads(body or b"{}")
        except json.JSONDecodeError:
            raise FormError("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise FormError("expected a JSON object with `email`")
        listed = data.get("components") or []
        fields = {
            "email": [str(data.get("email") or "")],
            "webhook": [str(data.get("webhook") or "")],
            "components": [str(c) for c in listed] if isinstance(listed, list) else [],
        }
    request.state.fields = fields
    return fields


def _answer(
    wants_json: bool,
    status: int,
    message: str,
    routes: SubscribeRoutes,
    page: dict[str, Any],
    *,
    ok: bool = False,
) -> Response:
    if wants_json:
        key = "status" if ok else "error"
        return JSONResponse({key: "pending_confirmation" if ok else message}, status)
    title = "Check your inbox" if ok else "Subscriptions"
    if ok:
        return routes.html(status, title=title, page_name=page["name"], message=message)
    return routes.html(status, title=title, page_name=page["name"], error=message)


def _too_many(
    wants_json: bool, refusal: Refusal, routes: SubscribeRoutes, page: dict[str, Any]
) -> Response:
    response = _answer(wants_json, 429, refusal.reason, routes, page)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response
