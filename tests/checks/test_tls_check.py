"""The tls check against real TLS servers on 127.0.0.1 with certificates made for each case."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

from hiccup.checks.registry import CheckSet
from hiccup.checks.tls import TlsCheck, TlsOptions, judge_expiry, parse_tls_target
from hiccup.core.clock import ManualClock
from hiccup.core.monitors import MonitorSpec
from tests.support.tls_server import (
    HOST_NAME,
    Peer,
    leaf,
    leaf_context,
    self_signed,
    self_signed_context,
)

Serve = Callable[[Peer], Coroutine[Any, Any, Peer]]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    started: list[Peer] = []

    async def start(peer: Peer) -> Peer:
        await peer.start()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        await peer.stop()


def _spec(target: str, timeout: float = 3.0, **options: Any) -> MonitorSpec:
    return MonitorSpec(
        id="tls",
        name="tls",
        kind="tls",
        target=target,
        interval=timedelta(minutes=5),
        timeout=timedelta(seconds=timeout),
        options=options,
    )


def _day(span: timedelta) -> str:
    return (datetime.now(UTC) + span).date().isoformat()


async def test_it_passes_a_valid_certificate_and_times_each_step(
    ca: trustme.CA, ca_file: str, serve: Serve
) -> None:
    peer = await serve(Peer(leaf_context(ca, expires_in=timedelta(days=200))))
    result = await TlsCheck().run(_spec(peer.address, ca_file=ca_file, server_name=HOST_NAME))
    assert result.ok, result.error
    assert not result.degraded
    assert result.error is None
    assert set(result.phases) == {"connect", "tls", "total"}
    assert result.latency_ms == result.phases["total"]
    # The leaf rides along for the console (its "days left" and details).
    assert result.certificate is not None
    left = result.certificate.not_after - datetime.now(UTC)
    assert timedelta(days=199) < left <= timedelta(days=200)


async def test_it_verifies_an_ip_address_target_without_a_server_name(
    ca: trustme.CA, ca_file: str, serve: Serve
) -> None:
    peer = await serve(Peer(leaf_context(ca, expires_in=timedelta(days=200))))
    result = await TlsCheck().run(_spec(peer.address, ca_file=ca_file))
    assert result.ok, result.error


async def test_it_warns_inside_the_warn_window(ca: trustme.CA, ca_file: str, serve: Serve) -> None:
    left = timedelta(days=10, hours=1)
    peer = await serve(Peer(leaf_context(ca, expires_in=left)))
    result = await TlsCheck().run(_spec(peer.address, ca_file=ca_file))
    assert result.ok
    assert result.degraded
    assert result.error == f"certificate expires in 10 days ({_day(left)})"


async def test_it_fails_inside_the_fail_window(ca: trustme.CA, ca_file: str, serve: Serve) -> None:
    left = timedelta(days=2, hours=1)
    peer = await serve(Peer(leaf_context(ca, expires_in=left)))
    result = await TlsCheck().run(_spec(peer.address, ca_file=ca_file))
    assert not result.ok
    assert result.error == f"certificate expires in 2 days ({_day(left)})"


@pytest.mark.parametrize("verify_chain", [True, False])
async def test_it_says_how_long_ago_a_certificate_expired(
    ca: trustme.CA, ca_file: str, serve: Serve, verify_chain: bool
) -> None:
    ago = -timedelta(days=3, hours=1)
    peer = await serve(Peer(leaf_context(ca, expires_in=ago)))
    spec = _spec(peer.address, ca_file=ca_file, verify_chain=verify_chain)
    result = await TlsCheck().run(spec)
    assert not result.ok
    assert result.error == f"certificate expired 3 days ago ({_day(ago)})"


async def test_it_judges_expiry_at_the_clocks_now(
    ca: trustme.CA, ca_file: str, serve: Serve
) -> None:
    peer = await serve(Peer(leaf_context(ca, expires_in=timedelta(days=30, hours=1))))
    later = ManualClock(datetime.now(UTC) + timedelta(days=25))
    result = await TlsCheck(clock=later).run(_spec(peer.address, ca_file=ca_file))
    assert result.ok
    assert result.degraded
    assert result.error is not None
    assert result.error.startswith("certificate expires in 5 days")


async def test_it_fails_a_self_signed_certificate_and_keeps_its_details(serve: Serve) -> None:
    context, der = self_signed()
    peer = await serve(Peer(context))
    result = await TlsCheck().run(_spec(peer.address, server_name=HOST_NAME))
    assert not result.ok
    assert result.error == "certificate verify failed: self-signed certificate"
    # Read again without verification: the operator sees what the server presents.
    cert = result.certificate
    assert cert is not None
    assert cert.subject_cn == cert.issuer_cn == HOST_NAME
    assert cert.issuer_org is None
    assert cert.alt_names == (HOST_NAME,)
    assert cert.fingerprint == hashlib.sha256(der).hexdigest().upper()
    assert cert.not_after - cert.not_before == timedelta(days=91)
    assert 89 < cert.days_left(datetime.now(UTC)) <= 90
    assert {"connect", "tls"} <= result.phases.keys()


async def test_an_expired_certificate_keeps_its_details(
    ca: trustme.CA, ca_file: str, serve: Serve
) -> None:
    ago = -timedelta(days=3, hours=1)
    context, der = leaf(ca, expires_in=ago)
    peer = await serve(Peer(context))
    result = await TlsCheck().run(_spec(peer.address, ca_file=ca_file, server_name=HOST_NAME))
    assert not result.ok
    cert = result.certificate
    assert cert is not None
    assert cert.subject_cn == HOST_NAME
    assert cert.issuer_cn is None  # trustme's CA has an organisation only
    assert (cert.issuer_org or "").startswith("trustme")
    assert cert.alt_names == (HOST_NAME, "127.0.0.1")
    assert cert.fingerprint == hashlib.sha256(der).hexdigest().upper()
    assert int(cert.serial, 16) > 0
    assert -4 < cert.days_left(datetime.now(UTC)) < -3


async def test_a_name_mismatch_keeps_the_details_of_the_certificate_served(
    ca: trustme.CA, ca_file: str, serve: Serve
) -> None:
    context, der = leaf(ca, expires_in=timedelta(days=90))
    peer = await serve(Peer(context))
    spec = _spec(peer.address, ca_file=ca_file, server_name="other.example.test")
    result = await TlsCheck().run(spec)
    assert result.error is not None
    assert result.error.startswith("hostname mismatch")
    assert result.certificate is not None
    assert result.certificate.fingerprint == hashlib.sha256(der).hexdigest().upper()


async def test_it_fails_a_certificate_from_an_unknown_ca(ca_file: str, serve: Serve) -> None:
    stranger = trustme.CA()
    peer = await serve(Peer(leaf_context(stranger, expires_in=timedelta(days=90))))
    result = await TlsCheck().run(_spec(peer.address, ca_file=ca_file))
    assert not result.ok
    assert result.error == "certificate verify failed: unable to get local issuer certificate"


async def test_it_fails_on_a_hostname_mismatch(ca: trustme.CA, ca_file: str, serve: Serve) -> None:
    peer = await serve(Peer(leaf_context(ca, expires_in=timedelta(days=90))))
    spec = _spec(peer.address, ca_file=ca_file, server_name="other.example.test")
    result = await TlsCheck().run(spec)
    assert not result.ok
    assert result.error == "hostname mismatch: certificate is not valid for 'other.example.test'"


async def test_it_still_reports_expiry_without_chain_verification(serve: Serve) -> None:
    peer = await serve(Peer(self_signed_context()))
    spec = _spec(peer.address, verify_chain=False, warn_days=100, fail_days=10)
    result = await TlsCheck().run(spec)
    assert result.ok
    assert result.degraded
    assert result.error is not None
    assert result.error.startswith("certificate expires in 89 days")


async def test_it_gives_up_on_a_server_that_never_handshakes(serve: Serve) -> None:
    peer = await serve(Peer())
    started = time.perf_counter()
    result = await TlsCheck().run(_spec(peer.address, timeout=0.5))
    assert not result.ok
    assert result.error == "timed out after 0.5s in the TLS handshake"
    assert result.certificate is None
    assert time.perf_counter() - started < 3  # generous: what matters is that it ends


async def test_it_fails_on_garbage_instead_of_tls(serve: Serve) -> None:
    peer = await serve(Peer(greeting=b"HTTP/1.1 400 Bad Request\r\n\r\n" + b"x" * 4096))
    result = await TlsCheck().run(_spec(peer.address, timeout=2))
    assert not result.ok
    assert result.error is not None
    # OpenSSL names it "wrong version number" up to 3.1 and "record layer failure" after.
    assert result.error.startswith("TLS error: "), result.error


async def test_it_fails_when_the_server_hangs_up_during_the_handshake(serve: Serve) -> None:
    peer = await serve(Peer(greeting=b""))
    result = await TlsCheck().run(_spec(peer.address, timeout=2))
    assert not result.ok
    assert result.error == "server closed the connection during the TLS handshake"


async def test_it_reports_a_refused_connection() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await TlsCheck().run(_spec(f"127.0.0.1:{port}"))
    assert not result.ok
    assert result.error == "connection refused"


async def test_it_reports_a_ca_file_it_cannot_read(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.pem")
    result = await CheckSet().run(_spec("127.0.0.1:1", ca_file=missing))
    assert not result.ok
    assert result.error == f"cannot load ca_file {missing!r}: No such file or directory"


async def test_it_reports_a_ca_file_that_is_not_pem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    result = await TlsCheck().run(_spec("127.0.0.1:1", ca_file=str(bad)))
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith(f"cannot load ca_file {str(bad)!r}: ")


@pytest.mark.parametrize(
    ("target", "parsed"),
    [
        ("example.test", ("example.test", 443)),
        ("example.test:8443", ("example.test", 8443)),
        ("[::1]", ("::1", 443)),
        ("[::1]:8443", ("::1", 8443)),
    ],
)
def test_it_reads_host_and_optional_port(target: str, parsed: tuple[str, int]) -> None:
    assert parse_tls_target(target) == parsed


@pytest.mark.parametrize("target", ["https://example.test/", "example.test:x", "a b", ":443"])
def test_it_rejects_a_target_that_is_not_a_host(target: str) -> None:
    with pytest.raises(ValueError, match="invalid target"):
        parse_tls_target(target)


def test_it_says_less_than_a_day_when_under_one() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    verdict = judge_expiry(now + timedelta(hours=5), now, TlsOptions())
    assert not verdict.ok
    assert verdict.error == "certificate expires in less than a day (2026-11-22)"


def test_it_refuses_a_fail_window_wider_than_the_warn_window() -> None:
    with pytest.raises(ValueError, match="fail_days must not be more than warn_days"):
        TlsOptions(warn_days=2, fail_days=5)
