"""Alert channels in the admin on the real app: the banner while no channel is on, an email
channel made with its kind's form, "Send test" through a real SMTP server with the result on
the page and in the delivery log, secrets never rendered, CSRF and roles as on other forms."""

from __future__ import annotations

import re

from hiccup.auth.roles import Role
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import (
    add_user,
    client_for,
    csrf_of,
    example_config,
    log_in,
    running,
)
from tests.support.channel_helpers import config_with_smtp
from tests.support.notify_helpers import SmtpSink, smtp_config

BANNER = "No alert channel is on"


async def test_the_banner_shows_until_a_channel_is_on(engine: AsyncEngine, sink: SmtpSink) -> None:
    config = example_config(
        "page: {name: Example hosting, slug: default}\n"
        "components: [{name: flexo}]\n"
        "notifications:\n" + smtp_config(sink.port)
    )
    async with running(engine, config) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(client, "olga")
        page = await client.get("/admin/probes")
        assert 'hx-get="/admin/channels/banner"' in page.text, "every page asks for the banner"
        assert BANNER in (await client.get("/admin/channels/banner")).text
        csrf = await csrf_of(client)
        form = {"csrf_token": csrf, "key": "ops-mail", "to": "ops@example.com, oncall@example.com"}
        made = await client.post("/admin/channels/new/email", data=form)
        assert made.status_code == 303
        assert made.headers["location"] == "/admin/channels/ops-mail"
        assert (await client.get("/admin/channels/banner")).text == ""

        # Turned off, nobody hears: the banner is back.
        await client.post("/admin/channels/ops-mail/disable", data={"csrf_token": csrf})
        assert BANNER in (await client.get("/admin/channels/banner")).text


async def test_send_test_mails_through_smtp_and_the_log_shows_it(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(client, "olga")
        csrf = await csrf_of(client)
        bad = await client.post(
            "/admin/channels/new/email", data={"csrf_token": csrf, "key": "ops", "to": "not-mail"}
        )
        assert bad.status_code == 422
        assert "not a valid email address" in bad.text
        assert 'value="not-mail"' in bad.text, "what was typed stays in the form"
        form = {"csrf_token": csrf, "key": "ops", "to": "ops@example.com"}
        assert (await client.post("/admin/channels/new/email", data=form)).status_code == 303

        tested = await client.post("/admin/channels/ops/test", data={"csrf_token": csrf})
        assert tested.status_code == 200
        assert "Test alert delivered" in tested.text
        [mail] = sink.to("ops@example.com")
        assert mail["Subject"] == "[Hiccup] test alert for channel ops"
        page = await client.get("/admin/channels/ops")
        log = page.text[page.text.index("Delivery log") :]
        assert "test alert for channel ops" in log
        assert "delivered" in log
        assert "accepted" in log

        sink.stop()  # the server goes away: the next test fails, and says why
        failed = await client.post("/admin/channels/ops/test", data={"csrf_token": csrf})
        assert "Test alert failed" in failed.text
        assert re.search(r'class="delivery-dead">dead<', failed.text)
        assert "Retry" in failed.text


async def test_secrets_are_write_only_in_the_form(engine: AsyncEngine, sink: SmtpSink) -> None:
    secret_url = "tgram://123456789:AAHsecretTOKENvalue/987654321"
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await add_user(engine, "vera", Role.VIEWER)
        await log_in(client, "olga")
        csrf = await csrf_of(client)
        form = {"csrf_token": csrf, "key": "chat", "url": secret_url}
        assert (await client.post("/admin/channels/new/apprise", data=form)).status_code == 303
        hook = {
            "csrf_token": csrf,
            "key": "hook",
            "url": "http://127.0.0.1:9/h",
            "secret": "zz-top",
        }
        assert (await client.post("/admin/channels/new/webhook", data=hook)).status_code == 303
        for path in (
            "/admin/channels",
            "/admin/channels/chat",
            "/admin/channels/chat/edit",
            "/admin/channels/hook",
            "/admin/channels/hook/edit",
            "/admin/audit",
        ):
            text = (await client.get(path)).text
            assert "AAHsecret" not in text, path
            assert "zz-top" not in text, path
        edit = (await client.get("/admin/channels/chat/edit")).text
        assert 'type="password"' in edit
        assert 'placeholder="set"' in edit
        # Saved with the secret left empty: it is kept.
        again = {"csrf_token": csrf, "key": "chat", "url": ""}
        assert (await client.post("/admin/channels/chat/edit", data=again)).status_code == 303
        await client.post("/admin/logout", data={"csrf_token": csrf})

        await log_in(client, "vera")
        page = await client.get("/admin/channels/chat")
        assert page.status_code == 200
        assert "AAHsecret" not in page.text
        assert "Send test" not in page.text
        assert "Edit" not in page.text
        assert (await client.get("/admin/channels/new/email")).status_code == 403
        viewer_csrf = await csrf_of(client)
        refused = await client.post("/admin/channels/chat/test", data={"csrf_token": viewer_csrf})
        assert refused.status_code == 403


async def test_channel_forms_need_the_session_csrf_token(
    engine: AsyncEngine, sink: SmtpSink
) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(client, "olga")
        form = {"key": "ops", "to": "ops@example.com"}
        assert (await client.post("/admin/channels/new/email", data=form)).status_code == 403
        forged = {**form, "csrf_token": "forged"}
        assert (await client.post("/admin/channels/new/email", data=forged)).status_code == 403
        test = await client.post("/admin/channels/from-file/test", data={"csrf_token": "x"})
        assert test.status_code == 403
        listed = await client.get("/admin/channels")
        assert "ops" not in re.findall(r'/admin/channels/([a-z-]+)"', listed.text)


async def test_rules_are_made_and_removed_in_the_admin(engine: AsyncEngine, sink: SmtpSink) -> None:
    async with running(engine, config_with_smtp(sink.port)) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "olga", Role.OWNER)
        await log_in(client, "olga")
        csrf = await csrf_of(client)
        form = {
            "csrf_token": csrf,
            "key": "flexo-down",
            "channels": "from-file",
            "monitors": "",
            "components": "flexo, nope",
            "on": ["down", "recovery"],
            "remind_every": "",
        }
        refused = await client.post("/admin/alert-rules/new", data=form)
        assert refused.status_code == 422
        assert "no such component: nope" in refused.text
        made = await client.post("/admin/alert-rules/new", data={**form, "components": "flexo"})
        assert made.status_code == 303
        listed = (await client.get("/admin/channels")).text
        assert "flexo-down" in listed
        assert "file-rule" in listed
        assert "/admin/alert-rules/file-rule/edit" not in listed, "the file's rule is read-only"
        deleted = await client.post(
            "/admin/alert-rules/flexo-down/delete", data={"csrf_token": csrf}
        )
        assert deleted.status_code == 303
        assert "flexo-down" not in (await client.get("/admin/channels")).text
