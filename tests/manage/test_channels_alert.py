"""A channel and a rule made in the admin carry real alerts: a monitor going down is posted to
the webhook, signed with the secret typed in the admin; a restart (the file synced again) keeps
them, and the recovery goes out the same way. A channel or rule turned off sends nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission, Role
from hiccup.core.clock import ManualClock
from hiccup.manage import alert_rules, channels
from hiccup.manage.context import Actor, Ops
from hiccup.notify.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from hiccup.store.asyncio_engine import AsyncEngine
from tests.notify.test_alert_reminders import deliver, transition
from tests.support.notify_helpers import START, Hook, WebhookReceiver, running_notifications

ACTOR = Actor(Principal("u1", "olga", Role.OWNER, frozenset(Permission)))
CONFIG = """\
page: {name: Flexo Hosting}
monitors:
  - {name: flexo, kind: tcp, target: "127.0.0.1:1"}
"""


async def test_alerts_reach_a_channel_made_in_the_admin_across_a_restart(
    engine: AsyncEngine,
) -> None:
    receiver = WebhookReceiver()
    await receiver.start()
    hook, quiet = Hook(), Hook()
    clock = ManualClock(START)
    first, _ = await running_notifications(engine, CONFIG, clock)
    ops = Ops(engine, clock)
    try:
        made = channels.ChannelInput("ops", "webhook", {"url": receiver.add("ops", hook)}, "k3y")
        await channels.create(ops, ACTOR, made)
        off = channels.ChannelInput("off", "webhook", {"url": receiver.add("off", quiet)})
        await channels.create(ops, ACTOR, off)
        await channels.set_enabled(ops, ACTOR, "off", False)
        rule = alert_rules.RuleInput("flexo", ["ops", "off"], ["flexo"], [], ["down", "recovery"])
        await alert_rules.create(ops, ACTOR, rule)

        assert await transition(engine, "down", START) == 1
        await deliver(first)
        [(headers, raw, _)] = hook.requests
        assert json.loads(raw)["headline"].startswith("DOWN: flexo")
        assert headers[SIGNATURE_HEADER] == signature(b"k3y", headers[TIMESTAMP_HEADER], raw)
        await first.close()

        restarted, _ = await running_notifications(engine, CONFIG, clock)
        clock.advance(timedelta(minutes=5))
        assert await transition(engine, "up", clock.now()) == 1
        await deliver(restarted)
        assert [json.loads(r[1])["event"] for r in hook.requests] == ["down", "recovery"]
        assert quiet.requests == [], "a channel turned off hears nothing"

        # A rule turned off sends nothing; turned on, the next transition is alerted again.
        await alert_rules.set_enabled(ops, ACTOR, "flexo", False)
        clock.advance(timedelta(minutes=5))
        assert await transition(engine, "down", clock.now()) == 0
        await alert_rules.set_enabled(ops, ACTOR, "flexo", True)
        clock.advance(timedelta(minutes=5))
        assert await transition(engine, "up", clock.now()) == 0, "it never said down"
        clock.advance(timedelta(minutes=5))
        assert await transition(engine, "down", clock.now()) == 1
        await deliver(restarted)
        assert [json.loads(r[1])["event"] for r in hook.requests] == ["down", "recovery", "down"]
        await restarted.close()
    finally:
        await receiver.stop()
