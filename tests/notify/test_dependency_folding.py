"""Parent/child folding through the real pipeline (recorder → status service → alerts →
outbox → a loopback webhook): when the server "flexo" goes down, the services on it do not
each page the operator; the parent's alert names them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from hiccup.notify.service import Notifications
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.notify_helpers import Hook, WebhookReceiver, running_notifications
from tests.support.store_helpers import Pipeline, pipeline

CONFIG = """\
page: {{name: Flexo Hosting}}
components: [{{name: flexo}}]
monitors:
  - {{name: flexo server, key: flexo, kind: tcp, target: "127.0.0.1:1", interval: 1m,
      failure_threshold: 2, success_threshold: 1}}
  - {{name: flexo website, kind: http, target: "http://127.0.0.1:2/", interval: 1m,
      failure_threshold: 2, success_threshold: 1, depends_on: flexo, component: flexo}}
  - {{name: flexo mail, kind: tcp, target: "127.0.0.1:3", interval: 1m,
      failure_threshold: 2, success_threshold: 1, depends_on: flexo}}
notifications:
  channels: [{{key: ops, kind: webhook, url: "{url}"}}]
  alerts: [{{channels: [ops], on: [down, recovery]}}]
"""


@pytest.fixture
async def running(engine: AsyncEngine) -> AsyncIterator[tuple[Pipeline, Notifications, Hook]]:
    receiver = WebhookReceiver()
    await receiver.start()
    hook = Hook()
    text = CONFIG.format(url=receiver.add("ops", hook))
    made = await pipeline(engine, text)
    notifications, _ = await running_notifications(engine, text, made.clock)
    yield made, notifications, hook
    await notifications.close()
    await receiver.stop()


def alerts(hook: Hook) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body, _ in hook.requests]


async def round_of(made: Pipeline, notifications: Notifications, **ok: bool) -> None:
    """Feed the named monitors in order ('server', 'website', 'mail'), deliver, +1 minute."""
    for name, good in ok.items():
        await made.feed(f"flexo {name}", good)
    assert notifications.worker is not None
    await notifications.deadlines.run_once()
    await notifications.worker.drain()
    made.clock.advance(timedelta(minutes=1))


async def test_the_parents_alert_names_its_children_instead_of_three_alerts(
    running: tuple[Pipeline, Notifications, Hook],
) -> None:
    made, notifications, hook = running
    await round_of(made, notifications, server=True, website=True, mail=True)
    await round_of(made, notifications, website=False, mail=False, server=False)
    # Worst order: both children are confirmed down before the parent is.
    await round_of(made, notifications, website=False, mail=False, server=False)
    [down] = alerts(hook)
    assert down["summary"] == "flexo server is down — also affected: flexo mail, flexo website"

    await round_of(made, notifications, website=True, mail=False, server=False)
    assert len(alerts(hook)) == 1, "a child recovering under a down parent is folded too"

    await round_of(made, notifications, server=True)
    [_, up] = alerts(hook)
    assert up["event"] == "recovery"
    assert up["summary"] == (
        "flexo server is up again after 3 minutes — also recovered: flexo website"
        " — still down: flexo mail"
    )
    made.clock.advance(timedelta(minutes=10))
    await round_of(made, notifications, mail=True)
    assert alerts(hook)[-1]["summary"].startswith("flexo mail is up again")


async def test_a_child_down_on_its_own_is_alerted_once_the_parent_proves_healthy(
    running: tuple[Pipeline, Notifications, Hook],
) -> None:
    made, notifications, hook = running
    await round_of(made, notifications, server=True, website=True, mail=True)
    await round_of(made, notifications, server=False, website=False)
    await round_of(made, notifications, website=False)
    assert alerts(hook) == [], "held while the parent might be failing too"
    await round_of(made, notifications, server=True)
    for _ in range(4):  # past the parent's confirmation deadline
        await round_of(made, notifications)
    [down] = alerts(hook)
    assert down["summary"] == "flexo website is down"
