"""Webhook subscribers get Statuspage's payloads; a subscriber URL that leads into the private
network is refused for good, the subscription turned off and its owner told by mail."""

from __future__ import annotations

import json

from sqlalchemy import select

from hiccup.core.status import ComponentStatus, IncidentImpact
from hiccup.notify.notices import component_update, enqueue_notice
from hiccup.status.incidents import open_incident
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import subscribers
from tests.support.notify_helpers import (
    START,
    Hook,
    SmtpSink,
    WebhookReceiver,
    add_subscribers,
    running_notifications,
    smtp_config,
)

CONFIG = """\
page: {{name: Flexo Hosting, url: "http://status.flexo.example"}}
components: [{{name: flexo}}]
notifications:
{smtp}  subscriptions: {{allow_private_webhooks: {private}}}
"""
INCIDENT_KEYS = {
    "backfilled", "created_at", "impact", "impact_override", "monitoring_at", "postmortem_body",
    "postmortem_body_last_updated_at", "postmortem_ignored", "postmortem_notified_subscribers",
    "postmortem_notified_twitter", "postmortem_published_at", "resolved_at",
    "scheduled_auto_transition", "scheduled_for", "scheduled_remind_prior",
    "scheduled_reminded_at", "scheduled_until", "shortlink", "status", "updated_at", "id",
    "organization_id", "incident_updates", "name",
}  # fmt: skip


async def flexo_goes_down(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        page_id = (await conn.execute(select(pages.c.id))).scalar_one()
        flexo = (await conn.execute(select(components.c.id))).scalar_one()
        await open_incident(
            conn, page_id=page_id, name="flexo is unavailable", impact=IncidentImpact.CRITICAL,
            body="Investigating.", started_at=START, now=START, component_ids=[flexo],
        )  # fmt: skip
        change = component_update(
            page_id, flexo, "flexo", ComponentStatus.OPERATIONAL, ComponentStatus.MAJOR_OUTAGE
        )
        await enqueue_notice(conn, change, START)


async def test_a_webhook_subscriber_gets_statuspage_shaped_payloads(engine: AsyncEngine) -> None:
    sink, receiver = SmtpSink(), WebhookReceiver()
    sink.start()
    await receiver.start()
    hook = Hook()
    url = receiver.add("statuspage", hook)
    text = CONFIG.format(smtp=smtp_config(sink.port), private="true")
    notifications, _ = await running_notifications(engine, text)
    assert notifications.worker is not None
    await add_subscribers(engine, [url], START, kind="webhook")
    try:
        await flexo_goes_down(engine)
        await notifications.worker.drain()
    finally:
        await notifications.close()
        await receiver.stop()
        sink.stop()
    bodies = [json.loads(body) for _, body, _ in hook.requests]
    incident = next(b for b in bodies if "incident" in b)
    assert set(incident) == {"meta", "page", "incident"}
    assert set(incident["incident"]) == INCIDENT_KEYS
    assert incident["page"]["status_indicator"] == "critical"
    assert incident["incident"]["status"] == "investigating"
    assert incident["incident"]["incident_updates"][0]["body"] == "Investigating."
    assert incident["meta"]["unsubscribe"].startswith(
        "http://status.flexo.example/unsubscribe?token="
    )
    update = next(b for b in bodies if "component_update" in b)
    assert set(update) == {"meta", "page", "component_update", "component"}
    assert update["component_update"]["old_status"] == "operational"
    assert update["component_update"]["new_status"] == "major_outage"
    assert update["component"]["name"] == "flexo"


async def test_a_subscriber_url_into_the_private_network_is_refused_and_its_owner_told(
    engine: AsyncEngine,
) -> None:
    sink = SmtpSink()
    sink.start()
    text = CONFIG.format(smtp=smtp_config(sink.port), private="false")
    notifications, _ = await running_notifications(engine, text)
    assert notifications.worker is not None
    await add_subscribers(engine, ["http://127.0.0.1:9/steal"], START, kind="webhook")
    try:
        await flexo_goes_down(engine)
        await notifications.worker.drain()
        await notifications.worker.drain()
    finally:
        await notifications.close()
        sink.stop()
    async with engine.connect() as conn:
        reason = (await conn.execute(select(subscribers.c.disabled_reason))).scalar_one()
    assert reason is not None
    assert "private or local address" in reason
    [told] = sink.to("owner@example.com")
    assert str(told["Subject"]) == "[Flexo Hosting] Your webhook subscription was turned off"
