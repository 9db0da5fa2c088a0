"""One run of the loader reports every error of a file: the schema's, and the checks across
the file on the parts the schema accepted (a bad monitor hides no bad page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config

FILE = Path("hiccup.yaml")

# Errors at every stage: schema (a bad zone, a typo, a bad interval, a string for a list),
# kind options and targets, and references, duplicates and page components.
STAGED = """\
page:
  name: Acme
  time_zone: Mars/Olympus
  components: [api, nowhere]
components:
  - name: API
    key: api
  - name: Web
    key: web
    descripton: typo
monitors:
  - name: api
    kind: http
    target: htp//127.0.0.1/
    component: api
    interval: 0s
  - name: db
    kind: tcp
    target: 127.0.0.1
    component: ghost
  - name: db
    kind: http
    target: http://127.0.0.1/
    component: web
    tags: nope
  - name: cache
    kind: http
    target: http://127.0.0.1:81/
    methd: GET
maintenance:
  - name: Upgrade
    components: [missing]
    start: "2026-12-05T10:00:00"
    duration: 1h
notifications:
  alerts:
    - channels: [nochan]
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, FILE)
    return [str(issue) for issue in caught.value.issues]


def test_errors_of_every_stage_come_in_one_run_in_file_order() -> None:
    assert errors_of(STAGED) == [
        "hiccup.yaml:3: page.time_zone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name like Europe/Berlin)",
        "hiccup.yaml:4: page.components[1]: no component with key 'nowhere' (known: api, web)",
        "hiccup.yaml:10: components[1].descripton: unknown field (did you mean `description`?)",
        "hiccup.yaml:14: monitors[0].target: invalid URL 'htp//127.0.0.1/' "
        "(expected http:// or https://)",
        "hiccup.yaml:16: monitors[0].interval: interval must be at least 1s",
        "hiccup.yaml:17: monitors[1]: two monitors share the key 'db'; give one a distinct `key`",
        "hiccup.yaml:19: monitors[1].target: invalid target '127.0.0.1' (expected host:port)",
        "hiccup.yaml:20: monitors[1].component: no component with key 'ghost' (known: api, web)",
        "hiccup.yaml:21: monitors[2]: two monitors share the key 'db'; give one a distinct `key`",
        "hiccup.yaml:25: monitors[2].tags: should be a list, e.g. [a, b]",
        "hiccup.yaml:29: monitors[3].methd: unknown field (did you mean `method`?)",
        "hiccup.yaml:32: maintenance[0].components[0]: no component with key 'missing' "
        "(known: api, web)",
        "hiccup.yaml:37: notifications.alerts[0].channels: no channel with key 'nochan' "
        "(known: none)",
    ]


def test_an_item_the_schema_refused_is_not_reported_again_as_unknown() -> None:
    # The component has no name, so it is set aside; the monitor naming it is not wrong.
    text = """\
page: {name: Acme}
components:
  - key: api
monitors:
  - name: flexo
    kind: http
    target: http://127.0.0.1/
    component: api
"""
    assert errors_of(text) == ["hiccup.yaml:3: components[0].name: is required"]


def test_a_monitor_without_a_name_still_gets_its_kind_and_target_checked() -> None:
    text = """\
page: {name: Acme}
monitors:
  - kind: tcp
    target: 127.0.0.1
    retries: 3
"""
    assert errors_of(text) == [
        "hiccup.yaml:3: monitors[0].name: is required",
        "hiccup.yaml:4: monitors[0].target: invalid target '127.0.0.1' (expected host:port)",
        "hiccup.yaml:5: monitors[0].retries: unknown field",
    ]


def test_items_after_a_refused_one_keep_their_own_lines() -> None:
    # monitors[0] is set aside; monitors[1]'s reference error still names index 1 and line 7.
    text = """\
page: {name: Acme}
monitors:
  - name: one
    kind: http
    target: http://127.0.0.1/
    interval: never
  - name: two
    kind: http
    target: http://127.0.0.1/
    depends_on: nobody
"""
    found = errors_of(text)
    assert found[0].startswith("hiccup.yaml:6: monitors[0].interval: ")
    assert found[1] == (
        "hiccup.yaml:10: monitors[1].depends_on: no monitor with key 'nobody' (known: one, two)"
    )
    assert len(found) == 2


def test_a_missing_page_does_not_hide_the_monitors_errors() -> None:
    text = "monitors:\n  - name: a\n    kind: tcp\n    target: 127.0.0.1\n"
    assert errors_of(text) == [
        "hiccup.yaml:1: page: is required",
        "hiccup.yaml:4: monitors[0].target: invalid target '127.0.0.1' (expected host:port)",
    ]


def test_a_bad_smtp_section_does_not_make_its_channels_look_wrong() -> None:
    text = """\
page: {name: Acme}
notifications:
  smtp: {host: 127.0.0.1, from: a@example.com, password: x}
  channels:
    - {key: ops, kind: email, to: [ops@example.com]}
    - {key: chat, kind: webhook, url: 'http://127.0.0.1/', colour: red}
"""
    found = errors_of(text)
    assert found[0].startswith("hiccup.yaml:3: notifications.smtp.password: unknown field")
    assert any(e.startswith("hiccup.yaml:6: notifications.channels[1].colour") for e in found)
    assert not any("notifications.channels[0]" in e for e in found)


def test_a_good_file_still_loads() -> None:
    good = STAGED.split("monitors:")[0].replace("Mars/Olympus", "Europe/Berlin")
    good = good.replace("    descripton: typo\n", "").replace(", nowhere", "")
    config = parse_config(good, FILE)
    assert [c.slug for c, _ in config.all_components()] == ["api", "web"]


def test_a_refused_key_is_not_reported_again_where_it_is_used() -> None:
    text = """\
page: {name: Acme}
components:
  - {name: API, key: "Bad Key"}
monitors:
  - {name: api, kind: http, target: "http://127.0.0.1/", component: "Bad Key"}
"""
    [error] = errors_of(text)
    assert error.startswith("hiccup.yaml:3: components[0].key: ")
