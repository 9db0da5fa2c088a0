"""The private-address guard judges an IPv6 address that embeds an IPv4 address as the IPv4
address inside (mapped, translated, compatible, NAT64, 6to4), and sign-up refuses URLs that
lead to private addresses."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiccup.notify.addresses import is_public, refuse_private_url
from hiccup.notify.errors import NotifyError
from hiccup.notify.http import HttpSender

ipv4s = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)


def _forms(v4: ipaddress.IPv4Address, low: int) -> list[str]:
    n = int(v4)
    return [
        f"::ffff:{v4}",
        f"::ffff:0:{v4}",
        f"::{v4}",
        str(ipaddress.IPv6Address((0x64FF9B << 96) | n)),
        str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | low)),
    ]


@given(v4=ipv4s, low=st.integers(min_value=0, max_value=2**80 - 1))
def test_every_ipv6_form_of_an_ipv4_address_is_judged_as_that_address(
    v4: ipaddress.IPv4Address, low: int
) -> None:
    for form in _forms(v4, low):
        assert is_public(form) == is_public(str(v4)), form


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:0:10.0.0.1",
        "::169.254.169.254",
        "64:ff9b::a00:1",
        "64:ff9b:1::808:808",
        "2002:c0a8:1::1",
        "2002:7f00:1::",
    ],
)
def test_private_and_local_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"],
)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]:8080/",
        "http://[2002:a00:1::]/",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:9000/",
    ],
)
def test_sign_up_refuses_a_url_that_leads_to_a_private_address(url: str) -> None:
    with pytest.raises(ValueError, match="private, local or reserved"):
        refuse_private_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://8.8.8.8/", "http:// or https://"),
        ("http:///path", "http:// or https://"),
        ("http://8.8.8.8:99999/", "port"),
        ("http://no-such-host.invalid/", "does not resolve"),
    ],
)
def test_sign_up_refuses_a_url_it_cannot_check(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        refuse_private_url(url)


def test_sign_up_takes_a_public_address() -> None:
    refuse_private_url("https://8.8.8.8/hook")
    refuse_private_url("https://[2606:4700::1111]:8443/hook")


@pytest.mark.parametrize("host", ["[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]"])
async def test_guarded_delivery_refuses_an_embedded_loopback_address(host: str) -> None:
    sender = HttpSender()
    try:
        with pytest.raises(NotifyError, match="private or local") as refused:
            await sender.post(f"http://{host}:9/hook", b"{}", {}, seconds=5, private_ok=False)
    finally:
        await sender.close()
    assert refused.value.permanent
