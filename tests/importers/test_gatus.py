"""Gatus's config.yaml mapped to a hiccup.yaml; conditions that do not map are listed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.config.model import HiccupConfig, MonitorConfig
from hiccup.importers.gatus import import_gatus
from hiccup.importers.gatus_conditions import Unmapped, condition
from hiccup.importers.result import ImportFailure, ImportResult
from hiccup.importers.write import settle
from tests.importers.support import FIXTURES, NOW


@pytest.fixture
def result() -> ImportResult:
    return import_gatus(FIXTURES / "gatus.yaml", NOW)


def _loaded(result: ImportResult, tmp_path: Path) -> HiccupConfig:
    return settle(result, tmp_path / "hiccup.yaml")[1]


def _monitor(config: HiccupConfig, key: str) -> MonitorConfig:
    return next(m for m in config.monitors if m.slug == key)


def test_endpoints_map_with_their_conditions(result: ImportResult, tmp_path: Path) -> None:
    config = _loaded(result, tmp_path)
    front = _monitor(config, "front-end")
    assert front.interval == timedelta(minutes=5)
    assert front.degraded_latency == timedelta(milliseconds=300)
    assert front.options == {"expected_status": [200], "keyword": "healthy"}
    # The alert's thresholds are Hiccup's confirmation.
    assert (front.failures_to_confirm, front.success_threshold) == (2, 3)
    certificate = _monitor(config, "front-end-certificate")
    assert (certificate.kind, certificate.target) == ("tls", "twinkle.example.org")
    assert certificate.options["fail_days"] == 2  # [CERTIFICATE_EXPIRATION] > 48h
    back = _monitor(config, "back-end")
    assert back.options == {
        "method": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": '{"probe": true}',
        "verify_tls": False,
        "expected_status": [200, 202],
    }
    assert back.timeout == timedelta(seconds=5)
    assert (_monitor(config, "postgres").kind, _monitor(config, "postgres").target) == (
        "tcp",
        "db.twinkle.example.org:5432",
    )
    assert _monitor(config, "gateway").target == "203.0.113.9"
    dns = _monitor(config, "dns-a")
    assert (dns.kind, dns.target) == ("dns", "twinkle.example.org")
    assert dns.options == {"record_type": "A", "resolver": "8.8.8.8", "expected": ["203.0.113.10"]}
    tls = _monitor(config, "certificate")
    assert tls.options == {"fail_days": 30, "warn_days": 30}


def test_groups_become_component_groups(result: ImportResult, tmp_path: Path) -> None:
    config = _loaded(result, tmp_path)
    assert config.page.name == "Twinkle Status"
    tree = {c.slug: [m.slug for m in c.components] for c in config.components}
    assert tree == {
        "core": ["front-end", "back-end"],
        "data": ["postgres"],
        "gateway": [],
        "dns-a": [],
        "certificate": [],
    }
    assert _monitor(config, "back-end").component == "back-end"


def test_alerting_becomes_channels_and_rules(result: ImportResult, tmp_path: Path) -> None:
    config = _loaded(result, tmp_path)
    kinds = {c.key: c.kind for c in config.notifications.channels}
    assert kinds == {"slack": "apprise", "discord": "apprise", "email": "email"}
    rules = {r.key: (r.monitors, r.on) for r in config.notifications.alerts}
    assert rules == {
        "slack": (["front-end", "front-end-certificate"], ["down", "recovery"]),
        "discord-down": (["back-end"], ["down"]),  # send-on-resolved is false by default
        "email": (["back-end"], ["down", "recovery"]),
    }
    assert config.notifications.smtp is not None
    assert config.notifications.smtp.password_env == "HICCUP_SMTP_PASSWORD"


def test_the_maintenance_window_recurs_over_every_component(
    result: ImportResult, tmp_path: Path
) -> None:
    (window,) = _loaded(result, tmp_path).maintenance
    assert window.rrule == "FREQ=WEEKLY;BYDAY=MO,TH"
    assert (window.time_zone, window.duration) == ("Europe/Amsterdam", timedelta(hours=1))
    assert window.components == ["core", "data", "gateway", "dns-a", "certificate"]


def test_what_does_not_map_is_listed_with_its_line(result: ImportResult) -> None:
    unmapped = [str(n) for n in result.unmapped]
    assert unmapped == [
        "gatus.yaml:47 endpoints[1].conditions[1] '[BODY].status == UP': "
        "[BODY].status == … has no equivalent for a http monitor",
        "gatus.yaml:48 endpoints[1].conditions[2] 'len([BODY].items) > 0': "
        "len([BODY].items) > … has no equivalent for a http monitor",
        "gatus.yaml:79 endpoints[6] 'ssh': ssh endpoints have no Hiccup check kind",
        "gatus.yaml:16 alerting.pagerduty: provider 'pagerduty' has no Apprise URL or Hiccup "
        "channel here",
        "gatus.yaml:19 endpoints[0] alert 'pagerduty': its provider was not imported",
    ]
    changed = [str(n) for n in result.changed]
    assert any("'[RESPONSE_TIME] < 300': a slow answer marks" in c for c in changed)


@pytest.mark.parametrize(
    ("text", "kind", "options"),
    [
        ("[STATUS] == 204", "http", {"expected_status": [204]}),
        ("[STATUS] == any(200, 301)", "http", {"expected_status": [200, 301]}),
        ("[STATUS] < 400", "http", {}),
        ("[BODY] != pat(*error*)", "http", {"keyword_absent": "error"}),
        ("[CONNECTED] == true", "tcp", {}),
        ("[DNS_RCODE] == NOERROR", "dns", {}),
    ],
)
def test_conditions_that_map(text: str, kind: str, options: dict[str, object]) -> None:
    assert condition(text, kind).options == options


@pytest.mark.parametrize(
    "text",
    ["[STATUS] > 500", "[BODY] == pat(*a*b*)", "[IP] == 127.0.0.1", "[DOMAIN_EXPIRATION] > 720h"],
)
def test_conditions_that_do_not(text: str) -> None:
    with pytest.raises(Unmapped):
        condition(text, "http")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("endpoints:\n  - name: a\n    url: [unclosed\n")
    with pytest.raises(ImportFailure, match=r"config\.yaml:\d+: not YAML"):
        import_gatus(path, NOW)


def test_a_file_without_endpoints_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("alerting: {}\n")
    with pytest.raises(ImportFailure, match=r"config\.yaml: no `endpoints:` list"):
        import_gatus(path, NOW)
