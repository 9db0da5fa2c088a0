"""Who may scrape /metrics: allowed networks, the bearer token, and no one by default."""

from __future__ import annotations

from hiccup.auth.metrics_access import MetricsAccess
from hiccup.auth.page_access import Admission, networks


def test_no_one_gets_in_when_nothing_opens_it() -> None:
    assert MetricsAccess().admit("127.0.0.1", "Bearer anything") is Admission.REFUSE


def test_an_allowed_network_gets_in_without_a_token() -> None:
    access = MetricsAccess(None, networks(["10.0.0.0/8"]))
    assert access.admit("10.1.2.3", None) is Admission.ADMIT
    assert access.admit("192.0.2.1", None) is Admission.REFUSE


def test_the_right_bearer_token_gets_in_and_anything_else_is_asked_for_it() -> None:
    access = MetricsAccess("s3cret", networks(["10.0.0.0/8"]))
    assert access.admit("192.0.2.1", "Bearer s3cret") is Admission.ADMIT
    assert access.admit("192.0.2.1", "bearer s3cret") is Admission.ADMIT
    assert access.admit("192.0.2.1", "Bearer wrong") is Admission.ASK_PASSWORD
    assert access.admit("192.0.2.1", "Basic czNjcmV0") is Admission.ASK_PASSWORD
    assert access.admit("192.0.2.1", None) is Admission.ASK_PASSWORD
    assert access.admit(None, None) is Admission.ASK_PASSWORD
