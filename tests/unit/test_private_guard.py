"""Private pages: allowed networks get in, others need the password; forwarded addresses are
believed only from trusted proxies."""

from __future__ import annotations

import base64

import pytest

from hiccup.auth.page_access import Admission, Guard, networks

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
