"""The monitor form through the real admin: options per kind instead of JSON, durations as
text, the model's own messages beside the fields, and "Check now" running the check once
against a loopback server without saving anything (rate-limited, owners only)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import monitors
from tests.support.admin_helpers import (
    CONFIG,
    add_token,
    add_user,
    client_for,
    csrf_of,
    example_config,
    log_in,
    prepared,
)
from tests.support.targets import HttpTarget


@pytest.fixture
async def target() -> AsyncIterator[HttpTarget]:
    server = HttpTarget()
    await server.start()
    yield server
    await server.stop()


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(monitors))).scalar_one())


def _form(csrf: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "name": "amy web",
        "kind": "http",
        "target": "https://amy.example/",
        "interval_s": "30s",
        "timeout_s": "5s",
        "failure_threshold": "3",
        "success_threshold": "2",
        "enabled": "on",
        **extra,
    }


async def _owner(engine: AsyncEngine, client: httpx.AsyncClient) -> dict[str, str]:
    owner = await add_user(engine, "olga", Role.OWNER)
    assert (await log_in(client, "olga")).status_code == 303
    return {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}


async def test_options_typed_per_kind_are_what_the_api_shows(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        headers = await _owner(engine, client)
        page = await client.get("/admin/monitors/new")
        assert "Options (JSON)" not in page.text
        assert 'name="options.http.expected_status"' in page.text
        assert 'name="options.heartbeat.time_zone"' in page.text
        assert "<option>Europe/Berlin</option>" in page.text
        form = _form(
            await csrf_of(client),
            **{
                "options.http.expected_status": "200, 204",
                "options.http.headers": "Accept: text/html",
                "options.http.follow_redirects.shown": "1",
                "options.http.verify_tls.shown": "1",
                "options.http.verify_tls": "on",
                "options.dns.record_type": "MX",  # typed before switching kind: not saved
            },
        )
        saved = await client.post("/admin/monitors/new", data=form)
        assert saved.status_code == 303, saved.text
        [made] = (await client.get("/api/v1/monitors", headers=headers)).json()["items"]
        assert made["interval_s"] == 30
        assert made["options"] == {
            "expected_status": [200, 204],
            "headers": {"Accept": "text/html"},
            "follow_redirects": False,
        }
        edit = await client.get(f"/admin/monitors/{made['id']}/edit")
        assert 'name="interval_s" value="30s"' in edit.text
        assert 'value="200, 204"' in edit.text


async def test_the_models_messages_show_beside_the_fields(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        headers = await _owner(engine, client)
        both = _form(
            await csrf_of(client),
            kind="heartbeat",
            target="",
            **{"options.heartbeat.period": "5m", "options.heartbeat.cron": "0 3 * * *"},
        )
        refused = await client.post("/admin/monitors/new", data=both)
        assert refused.status_code == 422
        api = await client.post(
            "/api/v1/monitors",
            headers=headers,
            json={
                "name": "x",
                "kind": "heartbeat",
                "options": {"period": "5m", "cron": "0 3 * * *"},
            },
        )
        [(where, message)] = api.json()["error"]["fields"].items()
        assert where == "options"
        assert 'id="err-options"' in refused.text
        assert message in refused.text  # the same words as the API's
        assert 'value="0 3 * * *"' in refused.text  # what was typed stays
        slow = _form(await csrf_of(client), interval_s="a while")
        answer = await client.post("/admin/monitors/new", data=slow)
        assert answer.status_code == 422
        assert 'aria-describedby="err-interval_s"' in answer.text
        assert "invalid duration &#39;a while&#39;" in answer.text
        assert await _count(engine) == 0


async def test_check_now_runs_once_unsaved_and_shows_the_phases(
    engine: AsyncEngine, target: HttpTarget
) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        await _owner(engine, client)
        csrf = await csrf_of(client)
        up = await client.post(
            "/admin/monitors/check",
            data=_form(csrf, target=target.url, **{"options.http.keyword": "Welcome"}),
        )
        assert up.status_code == 200, up.text
        assert "Check now: up" in up.text
        assert re.search(r'<rect class="phase-connect"', up.text)
        assert re.search(r'<rect class="phase-first_byte"', up.text)
        assert 'value="Welcome"' in up.text  # the form comes back as it was
        down = await client.post(
            "/admin/monitors/check",
            data=_form(csrf, target=target.url, **{"options.http.keyword": "Goodbye"}),
        )
        assert "Check now: down" in down.text
        assert "keyword &#39;Goodbye&#39; not found" in down.text
        assert await _count(engine) == 0
        for _ in range(4):
            await client.post("/admin/monitors/check", data=_form(csrf, target=target.url))
        limited = await client.post("/admin/monitors/check", data=_form(csrf, target=target.url))
        assert limited.status_code == 429
        assert "too many checks" in limited.text
        assert int(limited.headers["retry-after"]) >= 1


async def test_check_now_is_for_those_who_may_edit_monitors(
    engine: AsyncEngine, target: HttpTarget
) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "ed", Role.EDITOR)
        assert (await log_in(client, "ed")).status_code == 303
        answer = await client.post(
            "/admin/monitors/check", data=_form(await csrf_of(client), target=target.url)
        )
        assert answer.status_code == 403


async def test_a_declared_monitor_is_read_only_but_can_be_checked(
    engine: AsyncEngine, target: HttpTarget
) -> None:
    config = example_config(
        CONFIG + f"monitors:\n  - {{name: amy web, kind: http, target: '{target.url}'}}\n"
    )
    async with prepared(engine, config) as hiccup, client_for(hiccup) as client:
        headers = await _owner(engine, client)
        [declared] = (await client.get("/api/v1/monitors", headers=headers)).json()["items"]
        action = f"/monitors/{declared['id']}/edit"
        page = await client.get("/admin" + action)
        assert "Declared in the config file" in page.text
        assert ">Save</button>" not in page.text
        form = _form(await csrf_of(client), target=target.url, action=action)
        checked = await client.post("/admin/monitors/check", data=form)
        assert "Check now: up" in checked.text
        assert ">Save</button>" not in checked.text
        refused = await client.post("/admin" + action, data=form)
        assert refused.status_code == 409
