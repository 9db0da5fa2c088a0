"""The cluster tests need PostgreSQL and network namespaces; without namespaces they skip and
say why (see tests/cluster/netns.py)."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cluster.netns import why_not_available
from tests.cluster.rig import Cluster, cluster
from tests.support.migrated import fresh_postgres_database

# The host's loopback addresses and veth subnets are fixed (tests/cluster/netns.py): one cluster
# at a time on this machine, across xdist workers and across test runs started side by side.
MACHINE_LOCK = Path("/tmp/hiccup-cluster-tests.lock")


@pytest.fixture
async def running(postgres_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    url = await fresh_postgres_database(postgres_url)
    lock = os.open(MACHINE_LOCK, os.O_CREAT | os.O_RDWR, 0o666)
    try:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)  # released when closed
        async with cluster(url, tmp_path) as made:
            yield made
    finally:
        os.close(lock)
