"""Alert channels and rules through /api/v1 on the real app: secrets go in and never come out,
"test" sends through the real channel to a loopback receiver, the delivery log shows each
attempt with its error and a failed one can be retried; config-declared channels and rules are
read-only; viewers read but change nothing; channels made here outlive a restart."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from hiccup.auth.roles import Role, Scope
from hiccup.notify.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, bearer, client_for, prepared, running
from tests.support.channel_helpers import config_with_smtp
from tests.support.notify_helpers import Hook, SmtpSink, WebhookReceiver

SECRET = "s3cret-signing-key"


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = WebhookReceiver()
    await server.start()
    yield server
    await server.stop()


async def _owner_and_viewer(engine: AsyncEngine) -> tuple[dict[str, str], dict[str, str]]:
    owner = await add_user(engine, "olga", Role.OWNER)
    viewer = await add_user(engine, "vera", Role.VIEWER)
    return (
        await bearer(engine, owner, [Scope.ADMIN]),
        await bearer(engine, viewer, [Scope.READ]),
    )


async def test_a_webhook_channel_takes_its_secret_and_never_gives_it_back(
    engine: AsyncEngine, sink: SmtpSink, receiver: WebhookReceiver
) -> None:
    hook = Hook()
    url = receiver.add("ops", hook)
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        owner, viewer = await _owner_and_viewer(engine)
        body = {"key": "ops-hook", "kind": "webhook", "settings": {"url": url}, "secret": SECRET}
        created = await c.post("/api/v1/channels", json=body, headers=owner)
        assert created.status_code == 201, created.text
        assert created.json()["secret_set"] is True
        for headers in (owner, viewer):
            listed = await c.get("/api/v1/channels", headers=headers)
            one = await c.get("/api/v1/channels/ops-hook", headers=headers)
            assert SECRET not in listed.text
            assert SECRET not in one.text
        assert one.json()["settings"] == {"url": url}

        sent = await c.post("/api/v1/channels/ops-hook/test", headers=owner)
        assert sent.json() == {"delivered": True, "error": None}
        [(headers_seen, raw, _)] = hook.requests
        assert json.loads(raw)["event"] == "test"
        stamp = headers_seen[TIMESTAMP_HEADER]
        assert headers_seen[SIGNATURE_HEADER] == signature(SECRET.encode(), stamp, raw)

        # Editing without the secret keeps it: the next test is still signed with it.
        kept = {"key": "ops-hook", "kind": "webhook", "settings": {"url": url}}
        assert (await c.put("/api/v1/channels/ops-hook", json=kept, headers=owner)).is_success
        await c.post("/api/v1/channels/ops-hook/test", headers=owner)
        headers_seen, raw, _ = hook.requests[-1]
        stamp = headers_seen[TIMESTAMP_HEADER]
        assert headers_seen[SIGNATURE_HEADER] == signature(SECRET.encode(), stamp, raw)

        audit = await c.get("/api/v1/audit", headers=owner)
        assert SECRET not in audit.text


async def test_a_failed_test_is_logged_with_its_error_and_can_be_retried(
    engine: AsyncEngine, sink: SmtpSink, receiver: WebhookReceiver
) -> None:
    hook = Hook(status=503)
    url = receiver.add("flaky", hook)
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        owner, viewer = await _owner_and_viewer(engine)
        body = {"key": "flaky", "kind": "webhook", "settings": {"url": url}}
        assert (await c.post("/api/v1/channels", json=body, headers=owner)).status_code == 201
        sent = (await c.post("/api/v1/channels/flaky/test", headers=owner)).json()
        assert sent["delivered"] is False
        assert "503" in sent["error"]

        [failed] = (await c.get("/api/v1/channels/flaky/deliveries", headers=viewer)).json()
        assert failed["state"] == "dead"
        assert [a["error"] for a in failed["attempts"]] == [sent["error"]]
        channel = (await c.get("/api/v1/channels/flaky", headers=owner)).json()
        assert channel["enabled"] is True, "a failed test never turns the channel off"

        retry = f"/api/v1/channels/flaky/deliveries/{failed['id']}/retry"
        assert (await c.post(retry, headers=viewer)).status_code == 403
        hook.status = 200
        assert (await c.post(retry, headers=owner)).status_code == 204
        assert hiccup.notifications.worker is not None
        await hiccup.notifications.worker.drain()
        [again] = (await c.get("/api/v1/channels/flaky/deliveries", headers=owner)).json()
        assert again["state"] == "delivered"
        assert [a["error"] is None for a in again["attempts"]] == [False, True]
        assert len(hook.requests) == 2
        # Only a dead row can be retried.
        assert (await c.post(retry, headers=owner)).status_code == 400


async def test_viewers_read_channels_but_cannot_change_or_test_them(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        _, viewer = await _owner_and_viewer(engine)
        assert (await c.get("/api/v1/channels", headers=viewer)).status_code == 200
        body = {"key": "mine", "kind": "email", "settings": {"to": "ops@example.com"}}
        for method, path, payload in (
            ("POST", "/api/v1/channels", body),
            ("PUT", "/api/v1/channels/from-file", body),
            ("DELETE", "/api/v1/channels/from-file", None),
            ("POST", "/api/v1/channels/from-file/test", None),
            ("PUT", "/api/v1/channels/from-file/enabled", {"enabled": False}),
        ):
            answer = await c.request(method, path, json=payload, headers=viewer)
            assert answer.status_code == 403, (method, path)
        assert sink.count() == 0


async def test_declared_channels_and_rules_are_read_only_but_can_be_tested(
    engine: AsyncEngine, sink: SmtpSink, receiver: WebhookReceiver
) -> None:
    hook = Hook()
    config = config_with_smtp(sink.port, receiver.add("declared", hook))
    async with running(engine, config) as hiccup, client_for(hiccup) as c:
        owner, _ = await _owner_and_viewer(engine)
        listed = (await c.get("/api/v1/channels", headers=owner)).json()
        assert [(x["key"], x["declared"]) for x in listed] == [("from-file", True)]
        body = {"key": "from-file", "kind": "webhook", "settings": {"url": "http://x.example/"}}
        for method, path, payload in (
            ("PUT", "/api/v1/channels/from-file", body),
            ("DELETE", "/api/v1/channels/from-file", None),
            ("PUT", "/api/v1/channels/from-file/enabled", {"enabled": False}),
            ("DELETE", "/api/v1/alert-rules/file-rule", None),
        ):
            answer = await c.request(method, path, json=payload, headers=owner)
            assert answer.status_code == 409, (method, path, answer.text)
            assert answer.json()["error"]["code"] == "declared_in_config"
        sent = (await c.post("/api/v1/channels/from-file/test", headers=owner)).json()
        assert sent["delivered"] is True
        assert len(hook.requests) == 1


async def test_rules_name_existing_channels_monitors_and_components(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as c:
        owner, _ = await _owner_and_viewer(engine)
        bad = {"key": "night", "channels": ["nope"], "components": ["flexo", "bender"]}
        refused = await c.post("/api/v1/alert-rules", json=bad, headers=owner)
        assert refused.status_code == 422
        fields = refused.json()["error"]["fields"]
        assert fields == {
            "channels": "no such channel: nope",
            "components": "no such component: bender",
        }
        good = {**bad, "channels": ["from-file"], "components": ["flexo"], "remind_every": "30m"}
        made = await c.post("/api/v1/alert-rules", json=good, headers=owner)
        assert made.status_code == 201, made.text
        assert made.json()["remind_every_s"] == 1800
        assert made.json()["on"] == ["down", "recovery"]
        short = {**good, "remind_every": "10s"}
        answer = await c.put("/api/v1/alert-rules/night", json=short, headers=owner)
        assert answer.json()["error"]["fields"] == {
            "remind_every": "remind_every must be at least 1m"
        }

        body = {"key": "pager", "kind": "email", "settings": {"to": ["a@example.com"]}}
        await c.post("/api/v1/channels", json=body, headers=owner)
        uses = {**good, "channels": ["pager"]}
        assert (await c.put("/api/v1/alert-rules/night", json=uses, headers=owner)).is_success
        in_use = await c.delete("/api/v1/channels/pager", headers=owner)
        assert in_use.status_code == 409
        assert in_use.json()["error"]["code"] == "channel_in_use"
        off = await c.put(
            "/api/v1/alert-rules/night/enabled", json={"enabled": False}, headers=owner
        )
        assert off.json()["enabled"] is False
        assert (await c.delete("/api/v1/alert-rules/night", headers=owner)).status_code == 204
        assert (await c.delete("/api/v1/channels/pager", headers=owner)).status_code == 204


async def test_channels_made_here_outlive_a_restart_and_a_file_that_adopts_their_key(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    config = config_with_smtp(sink.port)
    async with running(engine, config) as hiccup, client_for(hiccup) as c:
        owner, _ = await _owner_and_viewer(engine)
        for key in ("kept", "from-file-later"):
            body = {"key": key, "kind": "email", "settings": {"to": "ops@example.com"}}
            assert (await c.post("/api/v1/channels", json=body, headers=owner)).status_code == 201
    # The same file again (a restart), then one that declares one of their keys (a reload).
    async with prepared(engine, config):
        pass
    more = "    - {key: from-file-later, kind: email, to: file@example.com}\n"
    later = config_with_smtp(sink.port, more_channels=more)
    async with prepared(engine, later) as adopted, client_for(adopted) as c:
        listed = (await c.get("/api/v1/channels", headers=owner)).json()
    found = {x["key"]: (x["declared"], x["target"]) for x in listed}
    assert found == {
        "from-file": (True, "http://127.0.0.1:9/declared"),
        "from-file-later": (True, "file@example.com"),
        "kept": (False, "ops@example.com"),
    }
