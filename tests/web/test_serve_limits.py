"""The limits `hiccup serve` starts with, fitted to the open-file limit and to live streams."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from ipaddress import ip_network

import pytest

from hiccup.server.streams import leave_room_for_visitors
from hiccup.snapshot.assets import Snapshot
from hiccup.web.edge import Edge
from hiccup.web.forwarded import TrustedProxies
from hiccup.web.limits import RESERVED_FILES, ServeLimits, fit_to_file_limit
from hiccup.web.public.live import MAX_STREAMS
from hiccup.web.public.serve import PublicServer


class NoSnapshot:
    current: Snapshot | None = None

    async def changed(self) -> None:
        return None


@pytest.fixture
def file_limit() -> Iterator[tuple[int, int]]:
    saved = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield saved
    resource.setrlimit(resource.RLIMIT_NOFILE, saved)


def test_the_defaults_time_out_headers_within_ten_seconds_and_cap_connections() -> None:
    limits = ServeLimits()
    assert limits.header_timeout <= 10
    assert limits.max_connections >= 2 * 1000 + MAX_STREAMS // 2


def test_it_refuses_limits_that_would_leave_the_server_open_or_shut() -> None:
    with pytest.raises(ValueError, match="header timeout"):
        ServeLimits(header_timeout=0)
    with pytest.raises(ValueError, match="max connections"):
        ServeLimits(max_connections=0)


def test_it_raises_the_open_file_limit_to_fit_the_cap(file_limit: tuple[int, int]) -> None:
    _, hard = file_limit
    if hard != resource.RLIM_INFINITY and hard < 2 * RESERVED_FILES:
        pytest.skip("the hard open-file limit is too low to test with")
    resource.setrlimit(resource.RLIMIT_NOFILE, (RESERVED_FILES + 10, hard))
    limits = ServeLimits(max_connections=RESERVED_FILES // 2)
    assert fit_to_file_limit(limits) == limits
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= RESERVED_FILES + RESERVED_FILES // 2


def test_it_lowers_the_cap_to_what_the_hard_limit_allows(file_limit: tuple[int, int]) -> None:
    _, hard = file_limit
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard open-file limit")
    fitted = fit_to_file_limit(ServeLimits(max_connections=hard + 1))
    assert fitted.max_connections == max(64, hard - RESERVED_FILES)
    assert fitted.backlog <= fitted.max_connections
    assert fitted.header_timeout == ServeLimits().header_timeout


def test_live_streams_leave_a_quarter_of_the_connections_to_visitors() -> None:
    public = PublicServer(NoSnapshot())
    leave_room_for_visitors(public, ServeLimits(max_connections=400))
    assert public.live.limit == 300
    behind_proxy = PublicServer(NoSnapshot())
    wrapped = TrustedProxies(behind_proxy, [ip_network("127.0.0.1/32")])
    leave_room_for_visitors(wrapped, ServeLimits())
    assert behind_proxy.live.limit == MAX_STREAMS  # the default cap leaves it as it was
    leave_room_for_visitors(wrapped, ServeLimits(max_connections=100))
    assert behind_proxy.live.limit == 75


def test_the_public_server_is_found_inside_the_edge_the_runtime_wraps_it_in() -> None:
    inside = PublicServer(NoSnapshot())
    edge = Edge(
        TrustedProxies(inside, [ip_network("127.0.0.1/32")]),
        headers={},
        max_body=1024,
        max_form=1024,
    )
    leave_room_for_visitors(edge, ServeLimits(max_connections=100))
    assert inside.live.limit == 75
    plain = PublicServer(NoSnapshot())
    leave_room_for_visitors(
        Edge(plain, headers={}, max_body=1024, max_form=1024), ServeLimits(max_connections=8)
    )
    assert plain.live.limit == 6
