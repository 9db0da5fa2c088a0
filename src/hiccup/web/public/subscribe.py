"""Public routes: subscribe (form or JSON), confirm, and unsubscribe with RFC 8058 one-click.

Links in mail open a page with a button; only the POST acts. Mail scanners that fetch every
link in a message (GET) then cannot confirm or unsubscribe anyone by themselves, while a mail
client's one-click "Unsubscribe" (a POST to the List-Unsubscribe URL) works without a page.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from hiccup.auth.page_access import Admission, parse_address
from hiccup.config.notifications import check_email, check_http_url
from hiccup.core.language import ENGLISH, N_, Language, install_i18n, language, negotiate, speaking
from hiccup.notify.addresses import refuse_private_url
from hiccup.notify.service import Notifications
from hiccup.notify.subscribers import SignUp, confirm, subscribe, unsubscribe
from hiccup.notify.tokens import Signer, TokenError
from hiccup.snapshot.site import Site, SitePage
from hiccup.store.site_pages import audience
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import subscribers
from hiccup.web.app import SECURITY_HEADERS
from hiccup.web.public.signup_limits import Refusal, SignUpLimits, client_key

MAX_BODY = 16 * 1024

_ENV = Environment(
    loader=ChoiceLoader(
        [PackageLoader("hiccup.web", "templates"), PackageLoader("hiccup.snapshot", "templates")]
    ),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)
install_i18n(_ENV)


class FormError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Visit:
    """The page of the site a request is for, as its subscribers see it."""

    site_page: SitePage
    prefix: str  # the address prefix the request came by: "" or "/p/<slug>"
    page_id: str
    name: str
    components: tuple[dict[str, str], ...]  # the page's own, groups left out
    language: Language = ENGLISH  # the page's, or the reader's among those it offers

    @property
    def slug(self) -> str:
        return self.site_page.slug


class SubscribeRoutes:
    """Subscriptions belong to one page of the site: each page has its own form under its own
    prefix (or host), behind its own guard, listing only its own components."""

    def __init__(self, notifications: Notifications, site: Site | None = None) -> None:
        self.n = notifications
        self.site = site or Site((SitePage(notifications.page_slug, default=True),))
        self._limits: dict[str, tuple[tuple[int, int], SignUpLimits]] = {}

    def _refusal(self, request: Request, visit: Visit, now: float) -> Refusal | None:
        settings = self.n.config.subscriptions
        wanted = (settings.per_client_per_hour, settings.per_page_per_hour)
        known = self._limits.get(visit.slug)
        if known is None or known[0] != wanted:  # new, or the config changed
            known = self._limits[visit.slug] = (wanted, SignUpLimits(*wanted))
        # Behind a trusted reverse proxy, request.client is already the real client.
        client = client_key(parse_address(request.client.host if request.client else None))
        return known[1].admit(client, now)

    @property
    def signer(self) -> Signer:
        if self.n.signer is None:
            raise RuntimeError("notifications are not started")
        return self.n.signer

    def _site_page(self, request: Request) -> tuple[SitePage, str] | None:
        slug = request.path_params.get("slug")
        if slug is not None:
            found = [p for p in self.site.pages if p.slug == slug and not p.default]
            return (found[0], f"/p/{slug}") if found else None
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
        for page in self.site.pages:
            if host and host in page.hosts:
                return page, ""
        return next(p for p in self.site.pages if p.default), ""

    async def _visit(self, request: Request) -> Visit | None:
        found = self._site_page(request)
        if found is None:
            return None
        site_page, prefix = found
        async with self.n.engine.connect() as conn:
            page_id = (
                await conn.execute(select(pages.c.id).where(pages.c.slug == self.n.page_slug))
            ).scalar_one()
            seen = await audience(conn, page_id, site_page.slug)
            if seen is None:
                return None
            query = select(components.c.id, components.c.name).where(
                components.c.page_id == page_id, components.c.is_group.is_(False)
            )
            listed = (await conn.execute(query.order_by(components.c.position))).all()
        own = tuple({"id": c.id, "name": c.name} for c in listed if seen.offers(c.id))
        spoken = _reader_language(request, site_page)
        return Visit(site_page, prefix, page_id, seen.name, own, spoken)

    def _guarded(self, request: Request, visit: Visit) -> Response | None:
        """A private page's form opens only to the readers its page admits."""
        guard = visit.site_page.guard
        if guard is None:
            return None
        peer = request.client.host if request.client else None
        admission = guard.admit(peer, request.headers.raw)
        if admission is Admission.ADMIT:
            return None
        if admission is Admission.THROTTLED:
            wait = str(guard.retry_after(peer, request.headers.raw))
            return PlainTextResponse(
                "Too many wrong passwords; try again later.\n",
                429,
                headers={**SECURITY_HEADERS, "retry-after": wait},
            )
        if admission is Admission.ASK_PASSWORD:
            realm = f'Basic realm="{visit.slug}", charset="UTF-8"'
            return PlainTextResponse(
                "This status page needs a password.\n",
                401,
                headers={**SECURITY_HEADERS, "www-authenticate": realm},
            )
        return PlainTextResponse("This status page is private.\n", 403, headers=SECURITY_HEADERS)

    async def _open(self, request: Request) -> Visit | Response:
        visit = await self._visit(request)
        if visit is None:
            return self.html(404, None, title=N_("Subscriptions"), error=N_("No such page."))
        return self._guarded(request, visit) or visit

    def html(self, status: int, visit: Visit | None, **context: Any) -> HTMLResponse:
        defaults: dict[str, Any] = {"message": "", "error": "", "form": "", "token": ""}
        defaults |= {"email": "", "webhook": "", "components": [], "chosen": []}
        defaults["allow_webhook"] = False
        defaults["page_name"] = visit.name if visit else ""
        defaults["prefix"] = visit.prefix if visit else ""
        with speaking(visit.language if visit else ENGLISH):
            body = _ENV.get_template("subscribe_page.html").render(defaults | context)
        return HTMLResponse(body, status, headers=SECURITY_HEADERS)

    @property
    def enabled(self) -> bool:
        subscriptions = self.n.config.subscriptions
        return self.n.config.smtp is not None and (subscriptions.email or subscriptions.webhook)

    async def form(self, request: Request) -> Response:
        visit = await self._open(request)
        if not isinstance(visit, Visit):
            return visit
        if not self.enabled:
            return self.html(
                404,
                visit,
                title=N_("Subscriptions"),
                error=N_("This page does not offer subscriptions."),
            )
        return self.html(
            200,
            visit,
            title=N_("Subscribe to updates"),
            form="subscribe",
            components=visit.components,
            allow_webhook=self.n.config.subscriptions.webhook,
        )

    async def submit(self, request: Request) -> Response:
        wants_json = request.headers.get("content-type", "").startswith("application/json")
        visit = await self._open(request)
        if not isinstance(visit, Visit):
            return visit
        if not self.enabled:
            return _answer(
                wants_json, 404, N_("This page does not offer subscriptions."), self, visit
            )
        try:
            fields = await _fields(request, wants_json)
            sign_up = self._sign_up(fields, visit)
        except FormError as error:
            return _form_error(wants_json, str(error), self, visit, request)
        if sign_up.webhook and not self.n.config.subscriptions.allow_private_webhooks:
            try:  # resolving blocks: off the loop
                await asyncio.to_thread(refuse_private_url, sign_up.webhook)
            except ValueError as error:
                return _form_error(wants_json, str(error), self, visit, request)
        now = self.n.clock.now()
        refusal = self._refusal(request, visit, now.timestamp())
        if refusal is not None:
            return _too_many(wants_json, refusal, self, visit)
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
        message = N_("Almost done: we sent a confirmation link to your email address.")
        return _answer(wants_json, 202, message, self, visit, ok=True)

    def _sign_up(self, fields: dict[str, list[str]], visit: Visit) -> SignUp:
        settings = self.n.config.subscriptions
        try:
            email = check_email(_first(fields, "email"))
        except ValueError as error:
            raise FormError(str(error)) from None
        webhook = _first(fields, "webhook").strip() or None
        if webhook is not None:
            if not settings.webhook:
                raise FormError(N_("This page does not offer webhook subscriptions."))
            try:
                check_http_url(webhook)
            except ValueError as error:
                raise FormError(str(error)) from None
        elif not settings.email:
            raise FormError(N_("This page offers webhook subscriptions only: give a webhook URL."))
        known = {c["id"] for c in visit.components}
        chosen = tuple(dict.fromkeys(fields.get("components", [])))
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise FormError(f"unknown component {unknown[0]!r}")
        return SignUp(visit.page_id, visit.slug, email, chosen, webhook, visit.language.code)

    # Confirm and unsubscribe links carry a signed token naming the subscriber: the token is
    # the credential, so they work without a private page's password (a mail client's
    # one-click unsubscribe could never give one), and only under the subscriber's own page.

    async def confirm_page(self, request: Request) -> Response:
        visit = await self._visit(request)
        if visit is None:
            return self.html(404, None, title=N_("Subscriptions"), error=N_("No such page."))
        token = request.query_params.get("token", "")
        try:
            await self._still_pending(token, visit)
        except TokenError as error:
            return self.html(400, visit, title=N_("Confirm subscription"), error=str(error))
        return self.html(
            200,
            visit,
            title=N_("Confirm subscription"),
            form="confirm",
            token=token,
            message=N_("One click and you will get updates from this page."),
        )

    async def _still_pending(self, token: str, visit: Visit) -> None:
        claims = self.signer.verify(token, "confirm", self.n.clock.now())
        query = select(subscribers.c.confirm_nonce).where(
            subscribers.c.id == claims.subject, subscribers.c.site_page == visit.slug
        )
        async with self.n.engine.connect() as conn:
            nonce = (await conn.execute(query)).scalar_one_or_none()
        if nonce is None or nonce != claims.nonce:
            raise TokenError(N_("This link was used already or is no longer valid."))

    async def confirm(self, request: Request) -> Response:
        visit = await self._visit(request)
        if visit is None:
            return self.html(404, None, title=N_("Subscriptions"), error=N_("No such page."))
        now = self.n.clock.now()
        try:
            fields = _parse_form(await _body(request))
            async with self.n.engine.begin() as conn:
                await confirm(conn, _first(fields, "token"), self.signer, now, visit.slug)
        except FormError as error:
            return self.html(413, visit, title=N_("Confirm subscription"), error=str(error))
        except TokenError as error:
            return self.html(400, visit, title=N_("Confirm subscription"), error=str(error))
        return self.html(
            200,
            visit,
            title=N_("Subscribed"),
            message=N_("You are subscribed. Every mail has a link to unsubscribe."),
        )

    async def unsubscribe_page(self, request: Request) -> Response:
        visit = await self._visit(request)
        if visit is None:
            return self.html(404, None, title=N_("Subscriptions"), error=N_("No such page."))
        token = request.query_params.get("token", "")
        try:
            self.signer.verify(token, "unsubscribe", self.n.clock.now())
        except TokenError as error:
            return self.html(400, visit, title=N_("Unsubscribe"), error=str(error))
        return self.html(
            200,
            visit,
            title=N_("Unsubscribe"),
            form="unsubscribe",
            token=token,
            message=N_("Stop all updates from this page?"),
        )

    async def unsubscribe(self, request: Request) -> Response:
        visit = await self._visit(request)
        if visit is None:
            return self.html(404, None, title=N_("Subscriptions"), error=N_("No such page."))
        # RFC 8058: the token is in the URL; the body only says "List-Unsubscribe=One-Click".
        try:
            token = request.query_params.get("token") or _first(
                _parse_form(await _body(request)), "token"
            )
        except FormError as error:
            return self.html(413, visit, title=N_("Unsubscribe"), error=str(error))
        try:
            async with self.n.engine.begin() as conn:
                await unsubscribe(conn, token, self.signer, self.n.clock.now(), visit.slug)
        except TokenError as error:
            return self.html(400, visit, title=N_("Unsubscribe"), error=str(error))
        return self.html(
            200,
            visit,
            title=N_("Unsubscribed"),
            message=N_("You are unsubscribed and will get no more mail from this page."),
        )

    def routes(self) -> list[BaseRoute]:
        handlers = [
            ("/subscribe", self.form, "GET"),
            ("/subscribe", self.submit, "POST"),
            ("/subscribe/confirm", self.confirm_page, "GET"),
            ("/subscribe/confirm", self.confirm, "POST"),
            ("/unsubscribe", self.unsubscribe_page, "GET"),
            ("/unsubscribe", self.unsubscribe, "POST"),
        ]
        return [
            Route(f"{prefix}{path}", handler, methods=[method])
            for prefix in ("", "/p/{slug}")
            for path, handler, method in handlers
        ]


def _reader_language(request: Request, page: SitePage) -> Language:
    """As the page itself answers (web/public/serve.py): its language, or the one the
    reader's Accept-Language picks among those the page offers."""
    look = page.look
    if look.languages:
        offered = (look.language, *look.languages)
        chosen = negotiate(request.headers.get("accept-language", ""), offered)
        if chosen is not None:
            return language(chosen)
    return language(look.language)


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
            raise FormError(N_("The form is too large."))
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
        except (json.JSONDecodeError, UnicodeDecodeError):  # bytes that are not UTF-8 too
            raise FormError("the body is not valid JSON in UTF-8") from None
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


def _form_error(
    wants_json: bool, message: str, routes: SubscribeRoutes, visit: Visit, request: Request
) -> Response:
    if wants_json:
        return JSONResponse({"error": message}, 422)
    return routes.html(
        422,
        visit,
        title=N_("Subscribe to updates"),
        form="subscribe",
        error=message,
        components=visit.components,
        allow_webhook=routes.n.config.subscriptions.webhook,
        email=_first(_fields_of(request), "email"),
    )


def _answer(
    wants_json: bool,
    status: int,
    message: str,
    routes: SubscribeRoutes,
    visit: Visit,
    *,
    ok: bool = False,
) -> Response:
    if wants_json:
        key = "status" if ok else "error"
        return JSONResponse({key: "pending_confirmation" if ok else message}, status)
    title = N_("Check your inbox") if ok else N_("Subscriptions")
    if ok:
        return routes.html(status, visit, title=title, message=message)
    return routes.html(status, visit, title=title, error=message)


def _too_many(
    wants_json: bool, refusal: Refusal, routes: SubscribeRoutes, visit: Visit
) -> Response:
    response = _answer(wants_json, 429, refusal.reason, routes, visit)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response
