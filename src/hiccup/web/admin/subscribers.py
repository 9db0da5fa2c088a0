"""The admin's subscribers page: search by address or component, counts per component,
unsubscribe, a new confirmation mail, CSV export and import."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote_plus

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.manage import subscribers
from hiccup.manage.errors import ManageError
from hiccup.web.admin.base import HEADERS, Forbidden, form_guard, guard, ops_of, redirect, render
from hiccup.web.query import page_number

router = APIRouter()

PER_PAGE = 50
SHOWN_PROBLEMS = 100  # a file of bad lines lists the first ones and counts the rest
MAX_UPLOAD = 5_000_000


@router.get("/subscribers")
async def subscriber_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    return await _list_page(request, me, request.query_params.get("imported"))


async def _list_page(
    request: Request, me: Principal, imported: str | None, problems: Sequence[str] = ()
) -> Response:
    ops = ops_of(request)
    text = request.query_params.get("q", "")[:200]
    component = request.query_params.get("component", "")[:100]
    page = page_number(request.query_params.get("page"))
    found = await subscribers.search(ops, text, component, (page - 1) * PER_PAGE, PER_PAGE)
    return render(
        request,
        "subscribers.html",
        me,
        title="Subscribers",
        found=found,
        counts=await subscribers.counts(ops),
        q=text,
        component=component,
        page=page,
        pages=max(1, -(-found.total // PER_PAGE)),
        imported=imported,
        problems=problems[:SHOWN_PROBLEMS],
        more_problems=max(0, len(problems) - SHOWN_PROBLEMS),
        can_operate=me.may(Permission.OPERATE),
        can_admin=me.may(Permission.ADMINISTER),
    )


@router.get("/subscribers/export.csv")
async def export(request: Request) -> Response:
    await guard(request, Permission.ADMINISTER)
    body = await subscribers.export(ops_of(request))
    headers = {
        **HEADERS,
        "content-disposition": 'attachment; filename="subscribers.csv"',
    }
    return Response(body, 200, headers, media_type="text/csv; charset=utf-8")


@router.post("/subscribers/import")
async def import_csv(request: Request) -> Response:
    try:
        me, actor, form = await form_guard(request, Permission.ADMINISTER)
    except Forbidden:
        await (await request.form()).close()  # the upload's temporary file
        raise
    upload = form.get("file")
    text = ""
    if isinstance(upload, UploadFile):
        raw = await upload.read(MAX_UPLOAD + 1)
        await form.close()
        if len(raw) > MAX_UPLOAD:
            raise ManageError("the file is larger than 5 MB; split it")
        text = raw.decode("utf-8-sig", errors="replace")
    pasted = form.get("csv")
    if not text and isinstance(pasted, str):
        text = pasted
    if not text.strip():
        raise ManageError("choose a CSV file (or paste its lines) to import")
    opted_in = form.get("opted_in") in ("on", "true", "1")
    done = await subscribers.import_csv(ops_of(request), actor, text, opted_in, skip_bad=True)
    summary = f"{done.added} added, {done.skipped} already there, {done.confirmations}"
    if not done.problems:
        return redirect("/subscribers?imported=" + quote_plus(summary + " confirmation mails"))
    # Shown at once rather than through a redirect: the lines' errors do not fit an address.
    # The good lines are in; the fixed file can be imported again (present ones are skipped).
    return await _list_page(request, me, summary + " confirmation mails", done.problems)


@router.post("/subscribers/{subscriber_id}/unsubscribe")
async def unsubscribe(request: Request, subscriber_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.OPERATE)
    await subscribers.unsubscribe(ops_of(request), actor, subscriber_id)
    return redirect("/subscribers")


@router.post("/subscribers/{subscriber_id}/confirm")
async def resend(request: Request, subscriber_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.OPERATE)
    await subscribers.resend_confirmation(ops_of(request), actor, subscriber_id)
    return redirect("/subscribers")
