"""The cluster tests need PostgreSQL and network namespaces; without namespaces they skip and
say why (see tests/cluster/netns.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cluster.netns import why_not_available
from tests.cluster.rig import Cluster, cluster
from tests.conftest import fresh_postgres_database


@pytest.fixture
async def running(postgres_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    url = await fresh_postgres_database(postgres_url)
    async with cluster(url, tmp_path) as made:
        yield made
