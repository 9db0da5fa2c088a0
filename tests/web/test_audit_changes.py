"""The audit log says what an edit changed, old and new value, without the secrets a
monitor's options may hold."""

from __future__ import annotations

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, bearer, client_for, running


async def test_an_edit_is_audited_with_what_changed(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        first = {
            "name": "flexo http",
            "kind": "http",
            "target": "http://127.0.0.1:9/",
            "interval_s": 30,
            "options": {"headers": {"Authorization": "Bearer first-secret"}},
        }
        made = await client.post("/api/v1/monitors", json=first, headers=headers)
        assert made.status_code == 201, made.text
        second = first | {
            "interval_s": 60,
            "enabled": False,
            "tags": ["web"],
            "options": {"headers": {"Authorization": "Bearer second-secret"}},
        }
        changed = await client.put(
            f"/api/v1/monitors/{made.json()['id']}", json=second, headers=headers
        )
        assert changed.status_code == 200, changed.text
        entries = (await client.get("/api/v1/audit", headers=headers)).json()["items"]
    [update] = [e for e in entries if e["action"] == "monitor.update"]
    assert update["summary"] == (
        "interval_s: 30.0 → 60.0; options changed; enabled: true → false; tags changed"
    )
    assert "secret" not in str(entries)
