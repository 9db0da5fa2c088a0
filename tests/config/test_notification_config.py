"""The `notifications:` section: bad addresses, Apprise URLs and references are rejected at
load, each error naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config

BASE = """\
page: {name: Flexo Hosting}
components: [{name: flexo}]
monitors:
  - {name: flexo, kind: tcp, target: "127.0.0.1:22"}
  - {name: flexo website, kind: tcp, target: "127.0.0.1:80", depends_on: flexo}
"""
GOOD = (
    BASE
    + """notifications:
  smtp: {host: mail.example.com, from: "Flexo Status <status@flexo.example>", password_env: SMTP_PW}
  channels:
    - {key: ops, kind: email, to: [ops@flexo.example, oncall@flexo.example]}
    - {key: hook, kind: webhook, url: "https://hooks.example.com/x", secret_env: HOOK_SECRET}
    - {key: chat, kind: apprise, url: "json://127.0.0.1:9000/alerts"}
  alerts:
    - channels: [ops, hook]
      components: [flexo]
      on: [down, degraded, recovery]
      remind_every: 30m
  chat_subscriptions:
    - {url: "json://127.0.0.1:9000/page", components: [flexo]}
"""
)


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("hiccup.yaml"))
    return [str(issue) for issue in caught.value.issues]


def test_a_full_notifications_section_loads() -> None:
    config = parse_config(GOOD, Path("hiccup.yaml"))
    notifications = config.notifications
    assert notifications.smtp is not None
    assert notifications.smtp.effective_port == 587
    assert notifications.channels[0].options["to"] == ["ops@flexo.example", "oncall@flexo.example"]
    # YAML 1.1 reads `on:` as true; the rule still gets its events.
    assert notifications.alerts[0].on == ["down", "degraded", "recovery"]
    assert config.monitors[1].depends_on == "flexo"
    assert "depends_on" not in config.monitors[1].options


def test_an_invalid_email_address_names_the_line_and_field() -> None:
    text = GOOD.replace("oncall@flexo.example", "oncall@@flexo")
    [problem] = issues(text)
    assert problem.startswith("hiccup.yaml:9: notifications.channels[0].to[1]: ")
    assert "is not a valid email address" in problem


def test_an_unknown_apprise_service_is_rejected() -> None:
    text = GOOD.replace('url: "json://127.0.0.1:9000/alerts"', 'url: "nosuch://token"')
    [problem] = issues(text)
    assert problem.startswith("hiccup.yaml:11: notifications.channels[2]: ")
    assert "not an Apprise URL Hiccup can use" in problem


def test_a_rule_naming_an_unknown_channel_or_component_is_rejected() -> None:
    text = GOOD.replace("channels: [ops, hook]", "channels: [ops, pager]").replace(
        "components: [flexo]\n      on", "components: [amy]\n      on"
    )
    found = issues(text)
    assert any("notifications.alerts[0].channels: no channel with key 'pager'" in p for p in found)
    assert any(
        "notifications.alerts[0].components: no component with key 'amy'" in p for p in found
    )


def test_depends_on_must_name_another_monitor_without_loops() -> None:
    unknown = issues(BASE.replace("depends_on: flexo", "depends_on: zapp"))
    assert unknown == [
        "hiccup.yaml:5: monitors[1].depends_on: no monitor with key 'zapp' "
        "(known: flexo, flexo-website)"
    ]
    looped = BASE.replace(
        'target: "127.0.0.1:22"}', 'target: "127.0.0.1:22", depends_on: flexo-website}'
    )
    assert any("makes a loop" in p for p in issues(looped))


def test_email_channels_need_an_smtp_server() -> None:
    text = GOOD.replace(
        '  smtp: {host: mail.example.com, from: "Flexo Status <status@flexo.example>", '
        "password_env: SMTP_PW}\n",
        "",
    )
    assert any("email channels need `notifications.smtp`" in p for p in issues(text))


def test_secrets_are_named_by_environment_variable_never_written_in_the_file() -> None:
    found = issues(GOOD.replace("password_env: SMTP_PW", "password: hunter2"))
    assert found == [
        "hiccup.yaml:7: notifications.smtp.password: unknown field (did you mean `password_env`?)"
    ]


def test_a_channel_kinds_own_fields_are_checked_by_its_module() -> None:
    unknown_kind = issues(GOOD.replace("kind: apprise", "kind: pager"))
    assert unknown_kind == [
        "hiccup.yaml:11: notifications.channels[2].kind: unknown channel kind 'pager' "
        "(known kinds: apprise, email, webhook)"
    ]
    wrong_field = issues(GOOD.replace("secret_env: HOOK_SECRET", "to: ops@flexo.example"))
    assert wrong_field == [
        "hiccup.yaml:10: notifications.channels[1].to: unknown field for a webhook channel "
        "(its fields: url, secret_env)"
    ]
    no_url = issues(GOOD.replace('url: "https://hooks.example.com/x", ', ""))
    assert no_url == ["hiccup.yaml:10: notifications.channels[1].url: is required"]
