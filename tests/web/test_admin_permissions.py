"""The route table: every operator route (`/admin`, `/api/v1`) refuses an outsider, refuses a
role without the right, and lets a role with it through. Routes are read from the app, so a
new route is covered the day it is added, and must be classified below or this test fails."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount, Route

from hiccup.auth.roles import Permission, Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.web.public.serve import PublicServer
from tests.support.admin_helpers import (
    add_token,
    add_user,
    client_for,
    csrf_of,
    log_in,
    running,
)

PUBLIC = "public"
SELF = "self"  # any logged-in user, about themselves

# (method regex, path regex, what it needs): first match wins.
CLASSES: list[tuple[str, str, str | Permission]] = [
    (".*", r"^/api/v1/(openapi\.json|docs)$", PUBLIC),  # the reference, like the document
    (".*", r"^/admin/(login|login/totp|setup/\{token\})$", PUBLIC),
    ("POST", r"^/admin/(logout|account/.*)$", SELF),
    ("GET", r"^/admin/account$", SELF),
    (".*", r"^/api/v1/(users|tokens|audit)", Permission.ADMINISTER),
    (".*", r"^/admin/(users|tokens|audit)", Permission.ADMINISTER),
    ("GET", r"^/admin/(monitors|components|pages)/(new|\{item_id\}/edit)$", Permission.ADMINISTER),
    ("GET", r"^/admin/(incidents|templates|maintenance)/new$", Permission.OPERATE),
    ("GET", r"^/admin/(templates|maintenance)/\{item_id\}/edit$", Permission.OPERATE),
    ("GET", r"^/admin/(channels/new/\{kind\}|channels/\{key\}/edit)$", Permission.ADMINISTER),
    ("GET", r"^/admin/alert-rules/(new|\{key\}/edit)$", Permission.ADMINISTER),
    ("GET", r"^/(api/v1|admin)/subscribers/export", Permission.ADMINISTER),
    ("POST", r"^/(api/v1|admin)/subscribers/import$", Permission.ADMINISTER),
    ("GET", r".*", Permission.READ),
    ("POST", r"^/(api/v1|admin)/subscribers/\{subscriber_id\}/", Permission.OPERATE),
    (".*", r"^/(api/v1|admin)/(channels|alert-rules)", Permission.ADMINISTER),
    (
        ".*",
        r"^/(api/v1|admin)/(incidents|templates|maintenance|markdown|outages)",
        Permission.OPERATE,
    ),
    (".*", r"^/(api/v1|admin)/(monitors|components|pages)", Permission.ADMINISTER),
    (".*", r"^/(api/v1|admin)/probes", Permission.ADMINISTER),
]

GRANTS = {
    "owner": set(Permission),
    "editor": {Permission.READ, Permission.OPERATE},
    "viewer": {Permission.READ},
    "outsider": set(),
}


def needs(method: str, path: str) -> str | Permission:
    for method_pattern, path_pattern, need in CLASSES:
        if re.fullmatch(method_pattern, method) and re.search(path_pattern, path):
            return need
    raise AssertionError(f"unclassified route {method} {path}: add it to CLASSES")


def _walk(routes: Sequence[BaseRoute]) -> Iterator[Route]:
    for route in routes:
        if isinstance(route, Route):
            yield route
        # FastAPI keeps included routers as wrappers around the original router; neither
        # the admin nor the API includes one with a prefix.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes)


def operator_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route under the /admin and /api/v1 mounts."""
    for mount in app.routes:
        if not (isinstance(mount, Mount) and mount.path in ("/admin", "/api/v1")):
            continue
        for route in _walk(mount.routes):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, mount.path + route.path


def concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "nosuchthing1", path)


def allowed(role: str, need: str | Permission) -> bool:
    if need in (PUBLIC, SELF):
        return need == PUBLIC or role != "outsider"
    assert isinstance(need, Permission)
    return need in GRANTS[role]


def verdict(path: str, role: str, need: str | Permission, answer: httpx.Response) -> str | None:
    status = answer.status_code
    if status >= 500:
        return f"{status}, a server error"
    if need == PUBLIC:  # login, setup: open to all, and a form without its CSRF value fails
        return None
    if allowed(role, need):
        return None if status not in (401, 403) else f"{status}, expected to be let through"
    if role == "outsider" and path.startswith("/admin"):
        sent_to_login = status == 303 and "/admin/login" in answer.headers.get("location", "")
        return None if sent_to_login or status in (401, 403) else f"{status}, expected login"
    expected = 401 if role == "outsider" else 403
    return None if status == expected else f"{status}, expected {expected}"


async def _clients(engine: AsyncEngine, client: httpx.AsyncClient, role: str) -> dict[str, str]:
    """Headers for the API (a token with the role's widest scope) and a logged-in session."""
    if role == "outsider":
        return {}
    user_id = await add_user(engine, role, Role(role))
    widest = {"owner": Scope.ADMIN, "editor": Scope.WRITE, "viewer": Scope.READ}[role]
    answer = await log_in(client, role)
    assert answer.status_code == 303, answer.text
    return {"token": await add_token(engine, user_id, [widest]), "csrf": await csrf_of(client)}


@pytest.mark.parametrize("role", ["owner", "editor", "viewer", "outsider"])
async def test_every_operator_route_answers_by_role(engine: AsyncEngine, role: str) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        if role != "owner":
            await add_user(engine, "someone-else", Role.OWNER)  # no setup state in the way
        creds = await _clients(engine, client, role)
        server: Any = hiccup.app()
        while not isinstance(server, (PublicServer, FastAPI)):
            server = server.app  # the outermost layers (hiccup.web.edge)
        # The public fast path sits in front of the FastAPI app that holds the routes.
        app = server.fallback if isinstance(server, PublicServer) else server
        assert isinstance(app, FastAPI)
        routes = sorted(operator_routes(app), key=lambda r: r[1] == "/admin/logout")
        assert len(routes) > 40
        problems = []
        for method, path in routes:
            need = needs(method, path)
            headers = {"x-csrf-token": creds.get("csrf", "")} if creds else {}
            if path.startswith("/api/v1") and creds:
                headers = {"authorization": f"Bearer {creds['token']}"}
            body: dict[str, str] | None = (
                {} if path.startswith("/api/v1") and method != "GET" else None
            )
            answer = await client.request(method, concrete(path), headers=headers, json=body)
            if (problem := verdict(path, role, need, answer)) is not None:
                problems.append(f"{method} {path} as {role}: {problem}")
        assert not problems, "\n".join(problems)
