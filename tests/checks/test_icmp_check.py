"""The icmp check, pinging only loopback: no test sends traffic off this machine.

Loss cannot be caused on loopback without privileges or traffic elsewhere, so the loss
verdicts are tested through `judge`, the function the check hands its counts to.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest

from hiccup.checks import icmp
from hiccup.checks.icmp import NEEDS_PERMISSION, IcmpCheck, IcmpOptions, judge
from hiccup.checks.registry import CheckSet
from hiccup.core.monitors import MonitorSpec


def _spec(target: str, timeout: float = 2.0, **options: object) -> MonitorSpec:
    return MonitorSpec(
        id="icmp",
        name="icmp",
        kind="icmp",
        target=target,
        interval=timedelta(seconds=30),
        timeout=timedelta(seconds=timeout),
        options=options,
    )


def _unprivileged_ping_allowed() -> bool:
    low, high = Path("/proc/sys/net/ipv4/ping_group_range").read_text().split()
    return int(low) <= Path("/proc/self").stat().st_gid <= int(high)


def _can_ping() -> bool:
    return icmp.running_as_root() or _unprivileged_ping_allowed()


needs_ping = pytest.mark.skipif(not _can_ping(), reason="no ICMP permission on this machine")


@needs_ping
async def test_it_pings_the_loopback_address() -> None:
    result = await IcmpCheck().run(_spec("127.0.0.1", count=3))
    assert result.ok, result.error
    assert not result.degraded
    assert result.latency_ms is not None
    assert 0 < result.latency_ms < 2000


@needs_ping
async def test_it_pings_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    result = await IcmpCheck().run(_spec("::1", count=2))
    if not result.ok and result.error and "address" in result.error.lower():
        pytest.skip(f"::1 is not configured here: {result.error}")
    assert result.ok, result.error


async def test_it_explains_a_missing_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    """The privilege flag is patched (the only stand-in in this file) so the root fallback is
    skipped; the refusal itself comes from the real kernel."""
    if _unprivileged_ping_allowed():
        pytest.skip("the kernel allows unprivileged ping here, so nothing is refused")
    monkeypatch.setattr(icmp, "running_as_root", lambda: False)
    result = await IcmpCheck().run(_spec("127.0.0.1"))
    assert not result.ok
    assert result.error == NEEDS_PERMISSION


@pytest.mark.parametrize("target", ["-bad-.example.test", "a..b", "host name", "a/b", ""])
async def test_it_rejects_a_target_that_is_not_a_host(target: str) -> None:
    result = await IcmpCheck().run(_spec(target))
    assert not result.ok
    assert result.error == f"invalid target {target!r} (expected a host)"


@needs_ping
async def test_it_reports_a_name_that_does_not_resolve() -> None:
    result = await IcmpCheck().run(_spec("nonexistent.invalid", timeout=1))
    assert not result.ok
    assert result.error is not None
    # A resolver without network may hang instead of answering NXDOMAIN; the timeout bounds it.
    assert result.error.startswith(("DNS lookup failed: ", "timed out after"))


async def test_it_rejects_invalid_options_without_raising() -> None:
    result = await CheckSet().run(_spec("127.0.0.1", count=0, max_loss=1))
    assert not result.ok
    assert result.error is not None
    assert "count:" in result.error
    assert "max_loss:" in result.error


def test_it_fails_when_no_reply_comes() -> None:
    verdict = judge(0, 3, 0.0, IcmpOptions())
    assert not verdict.ok
    assert verdict.error == "no reply to 3 pings"


def test_it_fails_when_more_than_max_loss_is_lost() -> None:
    verdict = judge(1, 3, 0.5, IcmpOptions())
    assert not verdict.ok
    assert verdict.error == "2 of 3 packets lost (67%)"
    assert verdict.latency_ms == 0.5


def test_it_warns_about_loss_within_max_loss() -> None:
    verdict = judge(2, 3, 0.5, IcmpOptions())
    assert verdict.ok
    assert verdict.degraded
    assert verdict.error == "1 of 3 packets lost (33%)"


def test_it_fails_any_loss_when_max_loss_is_zero() -> None:
    verdict = judge(9, 10, 0.5, IcmpOptions(count=10, max_loss=0))
    assert not verdict.ok
