"""Trouble told in the words of the monitor's kind: a missed run, an expiring certificate."""

from __future__ import annotations

from hiccup.checks.registry import trouble_kind
from hiccup.core.wording import TroubleKind, incident_words, trouble_sentence

MISSED = "missed its 02:00 UTC run (expected every 1d + 1m grace); no ping yet"
EXPIRES = "certificate expires in 9 days (2026-12-14)"


def test_kinds_say_which_words_fit_them() -> None:
    assert trouble_kind("heartbeat") is TroubleKind.SCHEDULE
    assert trouble_kind("tls") is TroubleKind.EXPIRY
    assert trouble_kind("http") is TroubleKind.OUTAGE
    assert trouble_kind("no-such-kind") is TroubleKind.OUTAGE


def test_a_heartbeat_missed_its_run_and_a_certificate_expires() -> None:
    assert trouble_sentence(TroubleKind.SCHEDULE, "Backups", MISSED) == f"Backups {MISSED}"
    assert trouble_sentence(TroubleKind.EXPIRY, "shop TLS", EXPIRES) == f"shop TLS: {EXPIRES}"


def test_an_outage_or_no_reason_keeps_the_generic_words() -> None:
    assert trouble_sentence(TroubleKind.OUTAGE, "flexo", "connection refused") is None
    assert trouble_sentence(TroubleKind.SCHEDULE, "Backups", None) is None


def test_an_incident_uses_kind_words_only_when_every_cause_has_them() -> None:
    missed = (TroubleKind.SCHEDULE, "Backups", MISSED)
    assert incident_words("Storage", [missed]) == (
        "Storage: a scheduled job did not run",
        f"Backups {MISSED}.",
    )
    down = (TroubleKind.OUTAGE, "flexo http", "connection refused")
    assert incident_words("Storage", [missed, down]) is None
    expiring = (TroubleKind.EXPIRY, "shop TLS", EXPIRES)
    assert incident_words("Storage", [missed, expiring]) is None
    assert incident_words("Storage", []) is None
