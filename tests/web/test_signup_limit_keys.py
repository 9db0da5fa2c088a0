from __future__ import annotations

import ipaddress

from hiccup.web.public.signup_limits import WINDOW, SignUpLimits, client_key


def test_an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_as_itself() -> None:
    one = client_key(ipaddress.ip_address("2001:db8:1:2::1"))
    assert one == client_key(ipaddress.ip_address("2001:db8:1:2:ffff::9"))
    assert one != client_key(ipaddress.ip_address("2001:db8:1:3::1"))
    assert client_key(ipaddress.ip_address("::ffff:192.0.2.1")) == "192.0.2.1"
    assert client_key(None) == "unknown"


def test_the_window_slides_one_hour_from_each_sign_up() -> None:
    limits = SignUpLimits(per_client=2, per_page=100)
    assert limits.admit("a", 0.0) is None
    assert limits.admit("a", 100.0) is None
    refusal = limits.admit("a", 200.0)
    assert refusal is not None
    assert refusal.retry_after == int(WINDOW) - 200
    assert limits.admit("a", WINDOW) is None  # the first one has left the window
    assert limits.admit("a", WINDOW + 1) is not None  # the one at 100 s has not


def test_a_refused_sign_up_uses_up_no_allowance() -> None:
    limits = SignUpLimits(per_client=1, per_page=2)
    assert limits.admit("a", 0.0) is None
    for _ in range(10):
        assert limits.admit("a", 1.0) is not None
    assert limits.admit("b", 2.0) is None
    assert limits.admit("c", 3.0) is not None  # the page's two are used


def test_the_table_of_clients_is_bounded_forgetting_the_least_recent() -> None:
    limits = SignUpLimits(per_client=1, per_page=1_000, max_clients=3)
    for n, name in enumerate("abcd"):
        assert limits.admit(name, float(n)) is None
    assert limits.admit("a", 5.0) is None  # forgotten, so allowed again
    assert limits.admit("d", 6.0) is not None
