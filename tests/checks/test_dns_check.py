"""The dns check against a real DNS server on 127.0.0.1 (UDP and TCP)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from hiccup.checks.dns import DnsCheck, parse_resolver
from hiccup.checks.registry import CheckSet
from hiccup.core.monitors import MonitorSpec
from tests.support.dns_server import DnsServer

ZONE = {
    "www.example.test.": {
        "A": ["192.0.2.10", "192.0.2.11"],
        "AAAA": ["2001:db8:0:0:0:0:0:10"],
    },
    "alias.example.test.": {"CNAME": ["www.example.test."]},
    "example.test.": {
        "MX": ["10 mail.example.test.", "20 backup.example.test."],
        "TXT": ['"v=spf1 -all"', '"token=AbC" "dEf"'],
        "NS": ["ns1.example.test."],
        "SOA": ["ns1.example.test. hostmaster.example.test. 2026112201 7200 900 1209600 300"],
        "CAA": ['0 issue "letsencrypt.org"'],
    },
    "_sip._tcp.example.test.": {"SRV": ["10 60 5060 sip.example.test."]},
    "10.2.0.192.in-addr.arpa.": {"PTR": ["www.example.test."]},
}


@pytest.fixture
async def server() -> AsyncIterator[DnsServer]:
    served = DnsServer(
        ZONE,
        silent={"hang.example.test."},
        servfail={"broken.example.test."},
        garbage={"garbage.example.test."},
    )
    await served.start()
    yield served
    await served.stop()


def _spec(target: str, server: DnsServer, timeout: float = 2.0, **options: Any) -> MonitorSpec:
    return MonitorSpec(
        id="dns",
        name="dns",
        kind="dns",
        target=target,
        interval=timedelta(seconds=30),
        timeout=timedelta(seconds=timeout),
        options={"resolver": server.address, **options},
    )


async def test_it_resolves_a_name_and_reports_the_lookup_time(server: DnsServer) -> None:
    result = await DnsCheck().run(_spec("www.example.test", server))
    assert result.ok, result.error
    assert result.latency_ms is not None
    assert result.phases["dns"] == result.latency_ms


async def test_it_passes_when_every_expected_value_is_among_the_answers(server: DnsServer) -> None:
    spec = _spec("www.example.test", server, expected=["192.0.2.11", "192.0.2.10"])
    result = await DnsCheck().run(spec)
    assert result.ok, result.error


async def test_it_fails_when_an_expected_value_is_missing(server: DnsServer) -> None:
    spec = _spec("www.example.test", server, expected=["192.0.2.10", "192.0.2.99"])
    result = await DnsCheck().run(spec)
    assert not result.ok
    assert result.error == "expected 192.0.2.99 got 192.0.2.10, 192.0.2.11"


@pytest.mark.parametrize(
    ("target", "record_type", "expected"),
    [
        ("www.example.test", "AAAA", ["2001:DB8::10"]),
        ("alias.example.test", "CNAME", ["WWW.example.test."]),
        ("example.test", "MX", ["mail.example.test", "20 backup.example.test."]),
        ("example.test", "TXT", ["v=spf1 -all", "token=AbCdEf"]),
        ("example.test", "NS", ["ns1.example.test"]),
        ("example.test", "SOA", ["ns1.example.test"]),
        (
            "example.test",
            "SOA",
            ["ns1.example.test hostmaster.example.test 2026112201 7200 900 1209600 300"],
        ),
        ("example.test", "CAA", ["issue letsencrypt.org", "0 issue letsencrypt.org"]),
        ("_sip._tcp.example.test", "SRV", ["10 60 5060 sip.example.test", "sip.example.test"]),
        ("10.2.0.192.in-addr.arpa", "PTR", ["www.example.test"]),
    ],
)
async def test_it_compares_each_record_type_in_normal_form(
    server: DnsServer, target: str, record_type: str, expected: list[str]
) -> None:
    spec = _spec(target, server, record_type=record_type, expected=expected)
    result = await DnsCheck().run(spec)
    assert result.ok, result.error


async def test_it_compares_txt_values_case_sensitively(server: DnsServer) -> None:
    spec = _spec("example.test", server, record_type="TXT", expected=["token=abcdef"])
    result = await DnsCheck().run(spec)
    assert not result.ok
    assert result.error == "expected token=abcdef got token=AbCdEf, v=spf1 -all"


async def test_it_reports_nxdomain(server: DnsServer) -> None:
    result = await DnsCheck().run(_spec("nowhere.example.test", server))
    assert not result.ok
    assert result.error == "NXDOMAIN: name does not exist"


async def test_it_fails_when_the_name_has_no_records_of_the_type(server: DnsServer) -> None:
    result = await DnsCheck().run(_spec("alias.example.test", server, record_type="MX"))
    assert not result.ok
    assert result.error == "no MX records"


async def test_it_reports_a_server_failure(server: DnsServer) -> None:
    result = await DnsCheck().run(_spec("broken.example.test", server))
    assert not result.ok
    assert result.error == f"nameserver 127.0.0.1:{server.port} answered SERVFAIL"


async def test_it_asks_over_tcp_when_told(server: DnsServer) -> None:
    spec = _spec("www.example.test", server, transport="tcp", expected=["192.0.2.10"])
    result = await DnsCheck().run(spec)
    assert result.ok, result.error
    assert server.transports == ["tcp"]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_it_gives_up_on_a_server_that_never_answers(
    server: DnsServer, transport: str
) -> None:
    spec = _spec("hang.example.test", server, timeout=0.5, transport=transport)
    started = time.perf_counter()
    result = await DnsCheck().run(spec)
    elapsed = time.perf_counter() - started
    assert not result.ok
    assert result.error == "timed out after 0.5s"
    assert elapsed < 3  # generous: the bound that matters is "ends", not how fast


async def test_it_fails_on_garbage_over_tcp(server: DnsServer) -> None:
    spec = _spec("garbage.example.test", server, timeout=0.5, transport="tcp")
    result = await DnsCheck().run(spec)
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith(f"nameserver 127.0.0.1:{server.port} sent an invalid answer: ")


async def test_it_waits_past_garbage_over_udp_until_the_timeout(server: DnsServer) -> None:
    # dnspython drops a datagram it cannot parse (it may be spoofed) and keeps listening.
    spec = _spec("garbage.example.test", server, timeout=0.5)
    result = await DnsCheck().run(spec)
    assert not result.ok
    assert result.error == "timed out after 0.5s"


async def test_it_rejects_invalid_options_without_raising(server: DnsServer) -> None:
    result = await CheckSet().run(_spec("example.test", server, record_type="ANY"))
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("invalid options: record_type:")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("[::1]", ("::1", 53)),
    ],
)
def test_it_reads_the_resolver_as_ip_or_ip_and_port(text: str, parsed: tuple[str, int]) -> None:
    assert parse_resolver(text) == parsed


@pytest.mark.parametrize("text", ["dns.google", "127.0.0.1:0", "127.0.0.1:x", "[::1]:"])
def test_it_rejects_a_resolver_that_is_not_an_address(text: str) -> None:
    with pytest.raises(ValueError, match="invalid resolver"):
        parse_resolver(text)
