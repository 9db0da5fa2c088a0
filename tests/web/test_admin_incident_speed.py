"""Running an incident quickly through the real admin: components in their groups, a template
that fills the whole form, the next status proposed, a link to the public page, and a resolved
incident that shows no component as currently affected (admin, /api/v1, public page)."""

from __future__ import annotations

import re

import httpx

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import (
    add_token,
    add_user,
    client_for,
    component_ids,
    csrf_of,
    example_config,
    log_in,
    running,
)

GROUPED = """
page: {name: Example hosting, slug: default}
components:
  - name: Web servers
    key: web
    components:
      - {name: amy}
      - {name: flexo}
  - {name: leela}
"""


def _selected(page: str, select_id: str) -> str:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select {select_id}"
    chosen = re.search(r'<option(?: value="([^"]*)")?[^>]* selected>([^<]*)<', found.group(1))
    if chosen is None:
        return ""  # the first option: "not affected" for a component
    return chosen.group(1) if chosen.group(1) is not None else chosen.group(2)


def _legends(page: str) -> list[str]:
    return re.findall(r'<fieldset class="component-group">\s*<legend>([^<]+)</legend>', page)


async def _template(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    csrf = await csrf_of(client)
    data = {
        "csrf_token": csrf,
        "name": "cache purge",
        "title": "503s after a cache purge",
        "body": "Some sites answer **503**.",
        "impact": "major",
        "status": "identified",
        f"component_{ids['flexo']}": "partial_outage",
        f"component_{ids['leela']}": "degraded_performance",
    }
    saved = await client.post("/admin/templates/new", data=data)
    assert saved.status_code == 303, saved.text
    listing = await client.get("/admin/templates")
    found = re.search(r'href="/admin/templates/([^/"]+)/edit"', listing.text)
    assert found
    return found.group(1)


async def test_a_template_fills_the_form_and_updates_propose_the_next_step(
    engine: AsyncEngine,
) -> None:
    config = example_config(GROUPED)
    async with running(engine, config) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        assert (await log_in(client, "olga")).status_code == 303
        ids = await component_ids(engine)
        template_id = await _template(client, ids)
        edit = await client.get(f"/admin/templates/{template_id}/edit")
        assert _selected(edit.text, f"c-{ids['flexo']}") == "partial_outage"
        assert _selected(edit.text, "status") == "identified"

        form = await client.get(f"/admin/incidents/new?template={template_id}")
        assert _legends(form.text) == ["Web servers", "Not in a group"]
        assert 'value="503s after a cache purge"' in form.text
        assert _selected(form.text, "impact") == "major"
        assert _selected(form.text, "status") == "identified"
        assert _selected(form.text, f"c-{ids['flexo']}") == "partial_outage"
        assert _selected(form.text, f"c-{ids['leela']}") == "degraded_performance"
        assert _selected(form.text, f"c-{ids['amy']}") == ""

        posted = {
            "csrf_token": await csrf_of(client),
            "name": "503s after a cache purge",
            "message": "Some sites answer 503.",
            "impact": "major",
            "status": "identified",
            f"component_{ids['flexo']}": "partial_outage",
        }
        opened = await client.post("/admin/incidents/new", data=posted)
        assert opened.status_code == 303
        incident_path = opened.headers["location"]
        incident_id = incident_path.rsplit("/", 1)[1]

        page = await client.get(incident_path)
        assert _selected(page.text, "status") == "monitoring"  # identified -> monitoring
        assert f'href="/incidents/{incident_id}" id="public-link"' in page.text
        assert "Affects: flexo (partial outage)" in page.text

        update = {"csrf_token": await csrf_of(client), "message": "Fixed.", "status": "resolved"}
        assert (
            await client.post(f"/admin/incidents/{incident_id}/updates", data=update)
        ).status_code == 303
        resolved = await client.get(incident_path)
        assert "Affects:" not in resolved.text
        assert "flexo (was partial outage)" in resolved.text

        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.READ])}"}
        api = (await client.get(f"/api/v1/incidents/{incident_id}", headers=headers)).json()
        [flexo] = api["components"]
        assert flexo["status"] is None
        assert flexo["last_status"] == "partial_outage"

        await hiccup.snapshots.rebuild()
        public = await client.get(f"/incidents/{incident_id}")
        assert public.status_code == 200
        assert "503s after a cache purge" in public.text
        summary = (await client.get("/api/v2/summary.json")).json()
        statuses = {c["name"]: c["status"] for c in summary["components"]}
        assert statuses["flexo"] == "operational"
        assert summary["incidents"] == []


async def test_a_template_naming_an_unknown_component_is_refused(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        editor = await add_user(engine, "ed", Role.EDITOR)
        headers = {"authorization": f"Bearer {await add_token(engine, editor, [Scope.WRITE])}"}
        ids = await component_ids(engine)
        body = {
            "name": "db",
            "title": "Database trouble",
            "body": "Looking.",
            "status": "monitoring",
            "components": [
                {"component_id": ids["amy"], "status": "major_outage"},
                {"component_id": "nope", "status": "major_outage"},
            ],
        }
        refused = await client.post("/api/v1/templates", json=body, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["error"]["fields"] == {
            "components.1.component_id": "no such component"
        }
        body["components"] = body["components"][:1]
        saved = await client.post("/api/v1/templates", json=body, headers=headers)
        assert saved.status_code == 201, saved.text
        assert saved.json()["status"] == "monitoring"
        assert saved.json()["components"] == [
            {"component_id": ids["amy"], "status": "major_outage"}
        ]
