"""Private pages: allowed networks get in, others need the password; forwarded addresses are
believed only from trusted proxies."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from hiccup.auth.memory_throttle import MemoryThrottle
from hiccup.auth.page_access import Admission, Guard, networks
from hiccup.core.clock import ManualClock

OFFICE = networks(["10.1.0.0/16", "2001:db8::/32"])
PROXY = networks(["127.0.0.1/32"])


def basic(user: str, password: str) -> list[tuple[bytes, bytes]]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return [(b"authorization", f"Basic {token}".encode())]


def test_a_reader_on_an_allowed_network_gets_in_without_a_password() -> None:
    guard = Guard("internal", None, OFFICE)
    assert guard.admit("10.1.2.3", []) is Admission.ADMIT
    assert guard.admit("2001:db8::5", []) is Admission.ADMIT
    assert guard.admit("192.0.2.7", []) is Admission.REFUSE


def test_elsewhere_the_password_is_asked_for_and_checked() -> None:
    guard = Guard("internal", "s3cret-ünïcode", OFFICE)
    assert guard.admit("192.0.2.7", []) is Admission.ASK_PASSWORD
    assert guard.admit("192.0.2.7", basic("anyone", "s3cret-ünïcode")) is Admission.ADMIT
    assert guard.admit("192.0.2.7", basic("anyone", "s3cret")) is Admission.ASK_PASSWORD


@pytest.mark.parametrize(
    "value",
    [
        b"Basic",
        b"Basic !!!",
        b"Bearer abc",
        b"Basic " + base64.b64encode(b"\xff\xfe"),
        b"",
        b"basic",
    ],
)
def test_a_malformed_authorization_header_is_simply_not_a_password(value: bytes) -> None:
    guard = Guard("internal", "pw")
    assert guard.admit("192.0.2.7", [(b"authorization", value)]) is Admission.ASK_PASSWORD


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    guard = Guard("internal", None, OFFICE, PROXY)
    spoofed = [(b"x-forwarded-for", b"10.1.2.3")]
    assert guard.admit("192.0.2.7", spoofed) is Admission.REFUSE


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_counts() -> None:
    guard = Guard("internal", None, OFFICE, PROXY)
    chain = [(b"x-forwarded-for", b"10.1.2.3, 192.0.2.7, 127.0.0.1")]
    # The client wrote "10.1.2.3" itself; the proxy saw 192.0.2.7 connect.
    assert guard.admit("127.0.0.1", chain) is Admission.REFUSE
    honest = [(b"x-forwarded-for", b"10.1.2.3")]
    assert guard.admit("127.0.0.1", honest) is Admission.ADMIT
    assert guard.admit("127.0.0.1", [(b"x-forwarded-for", b"garbage")]) is Admission.REFUSE


def _throttled_guard() -> tuple[Guard, ManualClock]:
    clock = ManualClock(datetime(2026, 5, 22, 16, 10, tzinfo=UTC))
    return Guard("internal", "right-pw", throttle=MemoryThrottle(clock)), clock


def test_a_client_guessing_is_throttled_after_five_wrong_passwords() -> None:
    guard, clock = _throttled_guard()
    answers = [guard.admit("192.0.2.7", basic("x", f"guess{i}")) for i in range(6)]
    assert answers[:5] == [Admission.ASK_PASSWORD] * 5
    assert answers[5] is Admission.THROTTLED
    assert guard.retry_after("192.0.2.7", []) == 30
    # While locked even the right password is not looked at; another client still gets in.
    assert guard.admit("192.0.2.7", basic("x", "right-pw")) is Admission.THROTTLED
    assert guard.admit("192.0.2.8", basic("x", "right-pw")) is Admission.ADMIT
    clock.advance(timedelta(seconds=31))
    assert guard.admit("192.0.2.7", basic("x", "wrong")) is Admission.THROTTLED
    assert guard.retry_after("192.0.2.7", []) == 60  # the next lock is twice as long


def test_many_clients_guessing_lock_the_page() -> None:
    guard, _clock = _throttled_guard()
    for index in range(21):
        guard.admit(f"192.0.2.{index + 1}", basic("x", "guess"))
    assert guard.admit("198.51.100.1", basic("x", "right-pw")) is Admission.THROTTLED
    assert guard.admit("198.51.100.1", []) is Admission.ASK_PASSWORD  # no guess, no count


def test_the_right_password_clears_the_clients_count() -> None:
    guard, _clock = _throttled_guard()
    for _ in range(2):
        for index in range(4):
            assert guard.admit("192.0.2.7", basic("x", f"g{index}")) is Admission.ASK_PASSWORD
        assert guard.admit("192.0.2.7", basic("x", "right-pw")) is Admission.ADMIT


def test_the_throttle_stays_bounded_under_many_addresses() -> None:
    clock = ManualClock(datetime(2026, 5, 22, 16, 10, tzinfo=UTC))
    throttle = MemoryThrottle(clock, max_keys=100)
    guard = Guard("internal", "right-pw", throttle=throttle)
    for index in range(1000):
        guard.admit(f"10.0.{index // 250}.{index % 250}", basic("x", "guess"))
    assert len(throttle) <= 100
    assert guard.admit("10.9.9.9", basic("x", "right-pw")) is Admission.THROTTLED  # page kept
