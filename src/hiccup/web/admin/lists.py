"""List pages: one generic table template fed with rows built here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.manage import accounts, components, maintenance, templates
from hiccup.web.admin.base import guard, ops_of, render
from hiccup.web.query import page_number

router = APIRouter()


@dataclass(frozen=True)
class Action:
    label: str
    path: str  # POSTed with the CSRF token
    confirm: str = ""


@dataclass(frozen=True)
class Row:
    cells: Sequence[str]
    link: str | None = None
    actions: Sequence[Action] = field(default_factory=tuple)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _expiry(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    return f"expired {when(moment)}" if moment <= now else when(moment)


def table(
    request: Request,
    me: Principal,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    new: tuple[str, Permission] | None = None,
) -> Response:
    new_path = new[0] if new and me.may(new[1]) else None
    return render(
        request, "list.html", me, title=title, columns=columns, rows=rows, new_path=new_path
    )


def _owned(me: Principal, permission: Permission, *actions: Action) -> tuple[Action, ...]:
    return actions if me.may(permission) else ()


@router.get("/components")
async def component_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    found = await components.list_components(ops_of(request))
    names = {c.id: c.name for c in found}
    can = me.may(Permission.ADMINISTER)
    rows = [
        Row(
            [
                c.name,
                c.key,
                "group" if c.is_group else names.get(c.group_id or "", ""),
                c.status.value.replace("_", " "),
                "config" if c.declared else "admin",
            ],
            f"/components/{c.id}/edit" if can and not c.declared else None,
            ()
            if c.declared
            else _owned(
                me, Permission.ADMINISTER, Action("Delete", f"/components/{c.id}/delete", "Delete?")
            ),
        )
        for c in found
    ]
    columns = ["Name", "Key", "Group", "Status", "Managed in"]
    return table(
        request, me, "Components", columns, rows, ("/components/new", Permission.ADMINISTER)
    )


@router.get("/pages")
async def page_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    can = me.may(Permission.ADMINISTER)
    rows = [
        Row(
            [p.name, p.slug, p.time_zone, "config" if p.declared else "admin"],
            f"/pages/{p.id}/edit" if can and not p.declared else None,
            ()
            if p.declared
            else _owned(
                me, Permission.ADMINISTER, Action("Delete", f"/pages/{p.id}/delete", "Delete page?")
            ),
        )
        for p in await components.list_pages(ops_of(request))
    ]
    columns = ["Name", "Slug", "Time zone", "Managed in"]
    return table(request, me, "Pages", columns, rows, ("/pages/new", Permission.ADMINISTER))


@router.get("/templates")
async def template_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    can = me.may(Permission.OPERATE)
    rows = [
        Row(
            [
                t.name,
                t.title,
                t.impact.value,
                "config file" if t.declared else "admin",
            ],
            f"/templates/{t.id}/edit" if can and not t.declared else None,
            ()
            if t.declared
            else _owned(me, Permission.OPERATE, Action("Delete", f"/templates/{t.id}/delete")),
        )
        for t in await templates.list_templates(ops_of(request))
    ]
    columns = ["Name", "Title", "Impact", "Managed in"]
    return table(
        request, me, "Incident templates", columns, rows, ("/templates/new", Permission.OPERATE)
    )


@router.get("/maintenance")
async def maintenance_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    rows = []
    for m in await maintenance.list_maintenance(ops_of(request)):
        upcoming = [w for w in m.windows if w.status != "completed"]
        nxt = f"{when(upcoming[0].scheduled_for)} ({upcoming[0].status})" if upcoming else "—"
        cancel = Action("Cancel", f"/maintenance/{m.id}/delete", "Cancel this maintenance?")
        rows.append(
            Row(
                [
                    m.name,
                    m.start_local.strftime("%Y-%m-%d %H:%M") + f" {m.time_zone}",
                    m.rrule or "once",
                    nxt,
                ],
                None if m.declared else f"/maintenance/{m.id}/edit",
                actions=() if m.declared else _owned(me, Permission.OPERATE, cancel),
            )
        )
    columns = ["Title", "Starts", "Repeats", "Next window"]
    return table(
        request, me, "Maintenance", columns, rows, ("/maintenance/new", Permission.OPERATE)
    )


@router.get("/users")
async def user_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    rows = [
        Row(
            [
                u.name,
                u.role.value,
                "yes" if u.totp_enabled else "no",
                "disabled" if u.disabled else "active",
            ],
            f"/users/{u.id}/edit",
            (Action("Delete", f"/users/{u.id}/delete", f"Delete {u.name}?"),),
        )
        for u in await accounts.list_users(ops_of(request))
    ]
    columns = ["Name", "Role", "TOTP", "State"]
    return table(request, me, "Users", columns, rows, ("/users/new", Permission.ADMINISTER))


@router.get("/tokens")
async def token_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    now = ops_of(request).clock.now()
    rows = [
        Row(
            [
                t.name,
                t.prefix + "…",
                t.user_name,
                ", ".join(s.value for s in t.scopes),
                when(t.last_used_at),
                _expiry(t.expires_at, now),
            ],
            None,
            (Action("Revoke", f"/tokens/{t.id}/delete", f"Revoke {t.name}?"),),
        )
        for t in await accounts.list_tokens(ops_of(request))
    ]
    columns = ["Name", "Starts with", "User", "Scopes", "Last used", "Expires"]
    return table(request, me, "API tokens", columns, rows, ("/tokens/new", Permission.ADMINISTER))


@router.get("/audit")
async def audit_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    page = page_number(request.query_params.get("page"))
    found = await accounts.list_audit(ops_of(request), page, 100)
    rows = [
        Row([when(e.at), e.actor, e.action, e.target, e.summary, e.address]) for e in found.items
    ]
    columns = ["When", "Who", "What", "On", "Details", "From"]
    return table(request, me, f"Audit log ({found.total} entries)", columns, rows)
