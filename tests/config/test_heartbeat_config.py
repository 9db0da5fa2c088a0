"""Heartbeat monitors in hiccup.yaml: no target needed, a schedule required, errors located."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config

FILE = Path("hiccup.yaml")
HEAD = "page:\n  name: Jobs\nmonitors:\n"


def errors_of(monitors: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(HEAD + monitors, FILE)
    return [str(issue) for issue in caught.value.issues]


def test_a_heartbeat_needs_no_target() -> None:
    config = parse_config(
        HEAD + "  - {name: backup, kind: heartbeat, period: 1h, grace: 5m}\n", FILE
    )
    [backup] = config.monitors
    assert backup.target == ""
    assert backup.options == {"period": "1h", "grace": "5m"}


def test_other_kinds_still_need_a_target() -> None:
    assert errors_of("  - {name: site, kind: http}\n") == [
        "hiccup.yaml:4: monitors[0].target: is required"
    ]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("{name: b, kind: heartbeat}", "monitors[0]: give exactly one of `period` and `cron`"),
        (
            "{name: b, kind: heartbeat, period: 1h, cron: '0 * * * *'}",
            "monitors[0]: give exactly one of `period` and `cron`",
        ),
        ("{name: b, kind: heartbeat, cron: 'soon'}", "monitors[0].cron: invalid cron expression"),
        ("{name: b, kind: heartbeat, period: 0s}", "monitors[0].period: period must be at least"),
        ("{name: b, kind: heartbeat, period: 1h, grace: -5}", "monitors[0].grace: grace must not"),
        (
            "{name: b, kind: heartbeat, cron: '0 3 * * *', time_zone: Mars/Olympus}",
            "monitors[0].time_zone: unknown time zone",
        ),
        ("{name: b, kind: heartbeat, period: 1h, token: short}", "monitors[0].token: String"),
    ],
)
def test_it_names_the_bad_heartbeat_field(line: str, error: str) -> None:
    [message] = errors_of(f"  - {line}\n")
    assert message.startswith(f"hiccup.yaml:4: {error}"), message


def test_a_token_from_the_config_is_kept_as_given() -> None:
    token = "Backup_Token-0123456789"
    config = parse_config(
        HEAD + f"  - {{name: b, kind: heartbeat, period: 1h, token: {token}}}\n", FILE
    )
    assert config.monitors[0].options["token"] == token


def test_a_heartbeat_is_down_after_one_missed_run_unless_told_otherwise() -> None:
    text = (
        HEAD
        + """\
  - {name: backup, kind: heartbeat, period: 1h}
  - {name: nightly, kind: heartbeat, period: 1d, failure_threshold: 2}
  - {name: site, kind: http, target: "http://127.0.0.1:1/"}
"""
    )
    config = parse_config(text, FILE)
    assert [m.failures_to_confirm for m in config.monitors] == [1, 2, 3]
