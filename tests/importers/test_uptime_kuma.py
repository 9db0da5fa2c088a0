"""Uptime Kuma's JSON backup and kuma.db, mapped to a hiccup.yaml Hiccup's loader accepts."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.config.model import HiccupConfig, MonitorConfig
from hiccup.importers.result import ImportFailure, ImportResult
from hiccup.importers.uptime_kuma import import_uptime_kuma
from hiccup.importers.write import settle
from tests.importers.support import FIXTURES, NOW, build_kuma_db


def _loaded(result: ImportResult, tmp_path: Path) -> HiccupConfig:
    text, config = settle(result, tmp_path / "hiccup.yaml")
    assert text.startswith("# Imported from Uptime Kuma")
    return config


def _monitor(config: HiccupConfig, key: str) -> MonitorConfig:
    return next(m for m in config.monitors if m.slug == key)


def _unmapped(result: ImportResult) -> str:
    return "\n".join(str(n) for n in result.unmapped)


def test_a_json_backup_maps_monitors_with_their_confirmation_and_options(tmp_path: Path) -> None:
    result = import_uptime_kuma(FIXTURES / "kuma-backup.json", NOW)
    config = _loaded(result, tmp_path)
    website = _monitor(config, "website")
    assert (website.kind, website.target) == ("http", "https://www.example.com")
    # maxretries 2: two failed retries after the first failure -> 3 in a row confirm down.
    assert website.failures_to_confirm == 3
    assert website.success_threshold == 1
    assert website.interval == timedelta(minutes=1)
    assert website.retry_interval == timedelta(seconds=20)
    assert website.timeout == timedelta(seconds=48)
    assert website.tags == ["env-prod"]
    assert "expected_status" not in website.options  # Kuma's 200-299 is Hiccup's default
    api = _monitor(config, "api-health")
    assert api.options == {
        "keyword": '"status":"ok"',
        "expected_status": [200, 204],
        "follow_redirects": False,
        "verify_tls": False,
        "headers": {"X-Probe": "kuma"},
    }
    assert api.failures_to_confirm == 1
    assert api.retry_interval is None
    assert _monitor(config, "postgres-port").target == "db.internal.example.com:5432"
    ping = _monitor(config, "gateway-ping")
    assert (ping.kind, ping.target, ping.enabled) == ("icmp", "192.0.2.1", False)
    dns = _monitor(config, "mx-record")
    assert dns.options == {"record_type": "MX", "resolver": "9.9.9.9"}
    push = _monitor(config, "nightly-backup")
    assert push.kind == "heartbeat"
    assert push.options == {"period": "1d", "token": "Kx8mQ2pL7vN4rT9wZ3yB"}
    assert [m.slug for m in config.monitors] == [
        "website",
        "api-health",
        "postgres-port",
        "gateway-ping",
        "mx-record",
        "nightly-backup",
    ]
    assert "type 'redis' has no Hiccup check kind" in _unmapped(result)
    assert "'Must be down' (id 8): upside-down mode" in _unmapped(result)


def test_a_json_backup_maps_notifications_to_channels_and_rules(tmp_path: Path) -> None:
    result = import_uptime_kuma(FIXTURES / "kuma-backup.json", NOW)
    config = _loaded(result, tmp_path)
    channels = {c.key: c for c in config.notifications.channels}
    assert channels["ops-slack"].options == {
        "url": "slack://T0000AAAA/B0000BBBB/abcdefghijklmnopqrstuvwx"
    }
    assert channels["team-telegram"].options["url"].startswith("tgram://123456789:")
    assert channels["mail-on-call"].options == {"to": ["oncall@example.com", "lead@example.com"]}
    assert channels["ops-webhook"].kind == "webhook"
    smtp = config.notifications.smtp
    assert smtp is not None
    assert (smtp.host, smtp.effective_port, smtp.security) == ("smtp.example.com", 465, "tls")
    assert smtp.password_env == "HICCUP_SMTP_PASSWORD"  # never the password itself
    rules = {r.key: r for r in config.notifications.alerts}
    assert rules["ops-slack"].monitors == ["website", "api-health", "nightly-backup"]
    assert rules["team-telegram"].monitors == ["postgres-port"]
    assert "'Pager' (id 4): type 'PagerDuty'" in _unmapped(result)
    assert "hunter2" not in settle(result, tmp_path / "hiccup.yaml")[0]


def test_kuma_db_maps_status_pages_to_pages_groups_and_components(tmp_path: Path) -> None:
    result = import_uptime_kuma(build_kuma_db(tmp_path / "kuma.db"), NOW)
    config = _loaded(result, tmp_path)
    assert (config.page.name, config.page.slug) == ("Acme Status", "acme")
    assert config.page.components == ["public-services", "mail"]
    assert [(p.slug, p.components) for p in config.pages] == [("internal", ["network"])]
    tree = {c.slug: [m.slug for m in c.components] for c in config.components}
    assert tree == {
        "public-services": ["website", "checkout-api"],
        "mail": ["smtp-relay"],
        "network": ["core-router"],
    }
    assert _monitor(config, "checkout-api").component == "checkout-api"
    checkout = _monitor(config, "checkout-api")
    assert checkout.options["keyword_absent"] == "maintenance"
    assert checkout.options["method"] == "HEAD"
    assert checkout.options["max_redirects"] == 5
    assert "expected_status" not in checkout.options  # 200-299 and 304: within the default
    assert checkout.failures_to_confirm == 5
    assert checkout.tags == ["critical", "team-payments"]
    billing = _monitor(config, "billing-cron")
    assert billing.kind == "heartbeat"
    assert "token" not in billing.options
    # Kuma's certificate expiry notification: a tls monitor beside the HTTPS one.
    certificate = _monitor(config, "website-certificate")
    assert (certificate.kind, certificate.target) == ("tls", "www.example.com")
    assert certificate.component is None
    # A member of Kuma's group monitor carries the group as a tag.
    assert _monitor(config, "core-router").tags == ["network-gear"]
    unmapped = _unmapped(result)
    assert "'Network gear' (id 7): a group monitor" in unmapped
    assert "'Search (Elastic)' (id 5): type 'docker'" in unmapped
    assert "status page 'internal': password protection" in unmapped
    assert "'Old Teams' (id 3): type 'teams'" in unmapped


def test_kuma_db_maps_maintenance_one_off_and_recurring(tmp_path: Path) -> None:
    result = import_uptime_kuma(build_kuma_db(tmp_path / "kuma.db"), NOW)
    config = _loaded(result, tmp_path)
    windows = {w.slug: w for w in config.maintenance}
    upgrade = windows["database-upgrade"]
    assert upgrade.components == ["checkout-api"]
    assert (upgrade.start.isoformat(), upgrade.duration) == (
        "2027-01-10T02:00:00",
        timedelta(hours=2, minutes=30),
    )
    assert (upgrade.time_zone, upgrade.rrule) == ("Europe/Berlin", None)
    assert upgrade.message.startswith("Postgres 16")
    weekly = windows["weekly-patching"]
    assert weekly.rrule == "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20271231T235959"
    assert weekly.components == ["network"]  # from the status page it was shown on
    assert weekly.duration == timedelta(hours=1)
    month_end = windows["month-end-close"]
    assert month_end.rrule == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert month_end.start.isoformat() == "2026-06-01T22:30:00"
    assert month_end.duration == timedelta(minutes=90)
    assert set(windows) == {"database-upgrade", "weekly-patching", "month-end-close"}
    unmapped = _unmapped(result)
    assert "'Manual freeze' (id 4): a manual window" in unmapped
    assert "'Last year move' (id 5): over already" in unmapped


def test_kuma_db_notifications_become_apprise_channels(tmp_path: Path) -> None:
    config = _loaded(import_uptime_kuma(build_kuma_db(tmp_path / "kuma.db"), NOW), tmp_path)
    urls = {c.key: c.options.get("url") for c in config.notifications.channels}
    assert urls == {
        "discord-status": "discord://112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "ntfy-phones": "ntfys://ntfy.example.com/ops-alerts",
    }
    rules = {r.key: r.monitors for r in config.notifications.alerts}
    assert rules == {"discord-status": ["website", "checkout-api"], "ntfy-phones": ["checkout-api"]}


def test_not_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "backup.json"
    broken.write_text('{\n  "version": "1.23.0",\n  "monitorList": [,]\n}\n')
    with pytest.raises(ImportFailure, match=r"backup\.json:3:19: not JSON"):
        import_uptime_kuma(broken, NOW)


def test_a_backup_of_an_unknown_version_is_refused(tmp_path: Path) -> None:
    backup = tmp_path / "backup.json"
    backup.write_text(json.dumps({"version": "2.0.0", "monitorList": []}))
    with pytest.raises(ImportFailure, match=r"backup\.json: version: '2\.0\.0' is not a 1\.x"):
        import_uptime_kuma(backup, NOW)


def test_json_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"monitors": []}')
    with pytest.raises(ImportFailure, match=r"other\.json: no `monitorList`"):
        import_uptime_kuma(other, NOW)


def test_a_sqlite_file_that_is_not_kuma_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE things (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(ImportFailure, match=r"other\.db: no `monitor` table"):
        import_uptime_kuma(path, NOW)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImportFailure, match=r"nowhere\.json: cannot read"):
        import_uptime_kuma(tmp_path / "nowhere.json", NOW)
