"""Subscribers in /api/v1 and the admin on the real app: search by address and component,
counts per component, unsubscribe, a new confirmation mailed through a real SMTP server, CSV
export and import (confirmation mails unless the operator states they opted in, which the
audit log records), and roles."""

from __future__ import annotations

import csv
import io

from sqlalchemy import insert, update

from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import SystemClock
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_notify import subscriber_components, subscribers
from tests.support.admin_helpers import (
    add_user,
    bearer,
    client_for,
    component_ids,
    csrf_of,
    log_in,
    running,
)
from tests.support.channel_helpers import config_with_smtp
from tests.support.notify_helpers import SmtpSink, add_subscribers
from tests.web.test_double_opt_in import text_of


async def _three_subscribers(engine: AsyncEngine) -> list[str]:
    """amy@ and bender@ hear of everything; only-flexo@ picked flexo."""
    now = SystemClock().now()
    ids = await add_subscribers(
        engine, ["amy@example.com", "bender@example.com", "only-flexo@example.com"], now
    )
    flexo = (await component_ids(engine))["flexo"]
    async with engine.begin() as conn:
        await conn.execute(
            update(subscribers).where(subscribers.c.id == ids[2]).values(all_components=False)
        )
        await conn.execute(
            insert(subscriber_components).values(subscriber_id=ids[2], component_id=flexo)
        )
    return ids


async def test_search_counts_and_unsubscribe_through_the_api(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        editor = await bearer(engine, await add_user(engine, "ed", Role.EDITOR), [Scope.WRITE])
        viewer = await bearer(engine, await add_user(engine, "vera", Role.VIEWER), [Scope.READ])
        ids = await _three_subscribers(engine)

        def addresses(body: dict[str, object]) -> list[str]:
            return sorted(s["address"] for s in body["items"])  # type: ignore[attr-defined]

        found = (await c.get("/api/v1/subscribers?q=BENDER", headers=viewer)).json()
        assert addresses(found) == ["bender@example.com"]
        assert found["total"] == 1
        amy = (await c.get("/api/v1/subscribers?component=amy", headers=viewer)).json()
        assert addresses(amy) == ["amy@example.com", "bender@example.com"]
        flexo = (await c.get("/api/v1/subscribers?component=flexo", headers=viewer)).json()
        assert len(flexo["items"]) == 3
        only = next(s for s in flexo["items"] if s["address"].startswith("only"))
        assert only["components"] == ["flexo"]
        unknown = await c.get("/api/v1/subscribers?component=zapp", headers=viewer)
        assert unknown.json()["items"] == []

        counts = (await c.get("/api/v1/subscribers/counts", headers=viewer)).json()
        assert counts["by_status"]["active"] == 3
        per = {x["key"]: x["active"] for x in counts["per_component"]}
        assert per == {"amy": 2, "flexo": 3, "leela": 2}

        gone = f"/api/v1/subscribers/{ids[1]}/unsubscribe"
        assert (await c.post(gone, headers=viewer)).status_code == 403
        assert (await c.post(gone, headers=editor)).status_code == 204
        counts = (await c.get("/api/v1/subscribers/counts", headers=viewer)).json()
        assert counts["by_status"]["unsubscribed"] == 1
        assert {x["key"]: x["active"] for x in counts["per_component"]}["amy"] == 1

        # A new confirmation link for the one who left, mailed through SMTP.
        again = f"/api/v1/subscribers/{ids[1]}/confirm"
        assert (await c.post(again, headers=editor)).status_code == 204
        assert hiccup.notifications.worker is not None
        await hiccup.notifications.worker.drain()
        [mail] = sink.to("bender@example.com")
        assert "Confirm your subscription" in str(mail["Subject"])
        token = text_of(mail).split("token=")[1].split()[0]
        confirmed = await c.post("/subscribe/confirm", data={"token": token})
        assert confirmed.status_code < 400
        counts = (await c.get("/api/v1/subscribers/counts", headers=viewer)).json()
        assert counts["by_status"]["active"] == 3
        # Confirmed already: nothing to resend.
        assert (await c.post(again, headers=editor)).status_code == 400


async def test_import_mails_confirmations_unless_the_operator_states_an_opt_in(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        owner = await bearer(engine, await add_user(engine, "olga", Role.OWNER), [Scope.ADMIN])
        editor = await bearer(engine, await add_user(engine, "ed", Role.EDITOR), [Scope.WRITE])
        await _three_subscribers(engine)
        text = "address,components\nnew@example.com,flexo\namy@example.com,\n"
        body = {"csv": text}
        assert (
            await c.post("/api/v1/subscribers/import", json=body, headers=editor)
        ).status_code == 403
        done = (await c.post("/api/v1/subscribers/import", json=body, headers=owner)).json()
        assert done == {"added": 1, "skipped": 1, "confirmations": 1}
        assert hiccup.notifications.worker is not None
        await hiccup.notifications.worker.drain()
        [mail] = sink.to("new@example.com")
        assert "Confirm your subscription" in str(mail["Subject"])
        pending = (await c.get("/api/v1/subscribers?q=new@", headers=owner)).json()["items"]
        assert [(s["status"], s["components"]) for s in pending] == [("pending", ["flexo"])]

        moved = {"csv": "moved@example.com\nalso@example.com leela\n", "opted_in": True}
        bad = await c.post("/api/v1/subscribers/import", json=moved, headers=owner)
        assert bad.status_code == 422
        assert bad.json()["error"]["fields"]["file"].startswith("line 2: ")
        moved["csv"] = "moved@example.com\nalso@example.com,leela\n"
        done = (await c.post("/api/v1/subscribers/import", json=moved, headers=owner)).json()
        assert done == {"added": 2, "skipped": 0, "confirmations": 0}
        await hiccup.notifications.worker.drain()
        assert sink.to("moved@example.com") == []
        active = (await c.get("/api/v1/subscribers?q=moved", headers=owner)).json()["items"]
        assert active[0]["status"] == "active"
        audit = (await c.get("/api/v1/audit", headers=owner)).json()["items"]
        summaries = [e["summary"] for e in audit if e["action"] == "subscriber.import"]
        assert summaries == [
            "2 added, 0 already there; operator stated they opted in",
            "1 added, 1 already there; confirmation mailed",
        ]

        exported = await c.get("/api/v1/subscribers/export", headers=owner)
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {r["address"] for r in rows} == {
            "amy@example.com", "bender@example.com", "only-flexo@example.com",
            "new@example.com", "moved@example.com", "also@example.com",
        }  # fmt: skip
        assert (await c.get("/api/v1/subscribers/export", headers=editor)).status_code == 403


async def test_the_admin_page_searches_exports_and_imports(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        await add_user(engine, "olga", Role.OWNER)
        await add_user(engine, "vera", Role.VIEWER)
        await _three_subscribers(engine)
        await log_in(c, "olga")
        page = await c.get("/admin/subscribers?q=only")
        assert page.status_code == 200
        assert "only-flexo@example.com" in page.text
        assert "amy@example.com" not in page.text
        assert "active: 3" in page.text
        exported = await c.get("/admin/subscribers/export.csv")
        assert "attachment" in exported.headers["content-disposition"]
        assert "bender@example.com" in exported.text

        csrf = await csrf_of(c)
        files = {"file": ("list.csv", b"address\nfry@example.com\n", "text/csv")}
        answer = await c.post("/admin/subscribers/import", data={"csrf_token": csrf}, files=files)
        assert answer.status_code == 303
        shown = await c.get(answer.headers["location"])
        assert "1 added, 0 already there, 1 confirmation mails" in shown.text
        assert "fry@example.com" in shown.text
        assert "Resend confirmation" in shown.text
        no_csrf = await c.post("/admin/subscribers/import", files=files)
        assert no_csrf.status_code == 403
        await c.post("/admin/logout", data={"csrf_token": csrf})

        await log_in(c, "vera")
        page = await c.get("/admin/subscribers")
        assert page.status_code == 200
        assert "Unsubscribe" not in page.text
        assert "Export CSV" not in page.text
        assert (await c.get("/admin/subscribers/export.csv")).status_code == 403


async def test_the_admin_import_keeps_the_good_lines_and_names_each_bad_one(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(c, "olga")
        lines = (
            "address,components\n"
            "fry@example.com,flexo\n"
            "not an address,\n"
            "zoidberg@example.com,zapp\n"
            "leela@example.com,\n"
        )
        files = {"file": ("list.csv", lines.encode(), "text/csv")}
        data = {"csrf_token": await csrf_of(c), "opted_in": "on"}
        answer = await c.post("/admin/subscribers/import", data=data, files=files)
        assert answer.status_code == 200  # shown at once: the good lines are in
        page = answer.text
        assert "Imported: 2 added, 0 already there, 0 confirmation mails." in page
        assert "2 lines not imported." in page
        assert "<li>line 3: " in page
        assert "<li>line 4: no component zapp</li>" in page
        assert "fry@example.com" in page
        assert "leela@example.com" in page
        assert "zoidberg@example.com" not in page.split("not imported")[1].split("</ul>")[1]
        # The fixed file again: the two already in are skipped, the fixed lines added.
        fixed = lines.replace("not an address", "bender@example.com").replace(",zapp", ",")
        files = {"file": ("list.csv", fixed.encode(), "text/csv")}
        again = await c.post("/admin/subscribers/import", data=data, files=files)
        assert again.status_code == 303
        shown = await c.get(again.headers["location"])
        assert "Imported: 2 added, 2 already there, 0 confirmation mails." in shown.text
        token = await bearer(engine, await add_user(engine, "api", Role.OWNER), [Scope.ADMIN])
        audit = (await c.get("/api/v1/audit", headers=token)).json()["items"]
        summaries = [e["summary"] for e in audit if e["action"] == "subscriber.import"]
        assert summaries[-1] == "2 added, 0 already there; operator stated they opted in; " + (
            "2 bad lines left out"
        )
