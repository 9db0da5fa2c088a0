"""`incident_templates:` in hiccup.yaml: validated against the components, synced into the
database at start, read-only in the admin and the API, removed with the file's entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.auth.roles import Role, Scope
from hiccup.config.load import ConfigError, parse_config
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import (
    CONFIG,
    add_token,
    add_user,
    client_for,
    component_ids,
    prepared,
)

WITH_TEMPLATE = (
    CONFIG
    + """
incident_templates:
  - name: cache purge
    title: 503s after a cache purge
    body: Some sites answer 503.
    impact: major
    status: identified
    components: {flexo: partial_outage}
"""
)


def test_an_unknown_component_key_is_named_with_its_line() -> None:
    text = WITH_TEMPLATE.replace("{flexo: partial_outage}", "{bender: partial_outage}")
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("hiccup.yaml"))
    message = str(raised.value)
    assert "incident_templates" in message
    assert "no component with key 'bender'" in message


async def test_declared_templates_sync_and_stay_read_only(engine: AsyncEngine) -> None:
    config = parse_config(WITH_TEMPLATE, Path("hiccup.yaml"))
    async with prepared(engine, config) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}
        ids = await component_ids(engine)
        [template] = (await client.get("/api/v1/templates", headers=headers)).json()
        assert template["declared"] is True
        assert template["status"] == "identified"
        assert template["components"] == [
            {"component_id": ids["flexo"], "status": "partial_outage"}
        ]
        body = {"name": "cache purge", "title": "x", "body": "y"}
        changed = await client.put(
            f"/api/v1/templates/{template['id']}", json=body, headers=headers
        )
        assert changed.status_code == 409
        assert changed.json()["error"]["code"] == "declared_in_config"
        gone = await client.delete(f"/api/v1/templates/{template['id']}", headers=headers)
        assert gone.status_code == 409
    again = parse_config(CONFIG, Path("hiccup.yaml"))
    async with prepared(engine, again) as hiccup, client_for(hiccup) as client:
        assert (await client.get("/api/v1/templates", headers=headers)).json() == []
