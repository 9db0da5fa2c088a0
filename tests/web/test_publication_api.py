"""The publication settings through the REST API: operator-only monitors, and a component's
own incident mode and publish_after (validated, named field by field)."""

from __future__ import annotations

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_token, add_user, client_for, prepared


async def _headers(engine: AsyncEngine) -> dict[str, str]:
    owner = await add_user(engine, "olga", Role.OWNER)
    return {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}


async def test_a_certificate_monitor_is_operator_only_unless_asked(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        headers = await _headers(engine)
        cert = {"name": "shop TLS", "kind": "tls", "target": "shop.example:443"}
        made = await client.post("/api/v1/monitors", headers=headers, json=cert)
        assert made.status_code == 201, made.text
        assert made.json()["public"] is False
        shown = await client.put(
            f"/api/v1/monitors/{made.json()['id']}", headers=headers, json={**cert, "public": True}
        )
        assert shown.json()["public"] is True
        web = {"name": "shop", "kind": "http", "target": "http://shop.example/"}
        assert (await client.post("/api/v1/monitors", headers=headers, json=web)).json()["public"]
        hidden = {**web, "name": "shop admin", "public": False}
        made = await client.post("/api/v1/monitors", headers=headers, json=hidden)
        assert made.json()["public"] is False


async def test_a_component_takes_its_own_policy_or_the_page_s(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        headers = await _headers(engine)
        body = {"name": "Reports", "incidents": "manual", "publish_after_s": 60}
        made = await client.post("/api/v1/components", headers=headers, json=body)
        assert made.status_code == 201, made.text
        assert (made.json()["incidents"], made.json()["publish_after_s"]) == ("manual", 60)
        plain = await client.post("/api/v1/components", headers=headers, json={"name": "Shop"})
        assert (plain.json()["incidents"], plain.json()["publish_after_s"]) == (None, None)
        bad = {"name": "Bad", "incidents": "sometimes", "publish_after_s": -1}
        refused = await client.post("/api/v1/components", headers=headers, json=bad)
        assert refused.status_code == 422
        assert set(refused.json()["error"]["fields"]) == {"incidents", "publish_after_s"}
        pages = (await client.get("/api/v1/pages", headers=headers)).json()
        assert (pages[0]["incidents"], pages[0]["publish_after_s"]) == ("auto", 300)
