"""Tests of one folder kept on one xdist worker (`--dist loadgroup`), on pytest 9 too.

pytest-xdist 3.8 groups a test by appending `@group` to its node id in the worker, by setting
`item._nodeid`; pytest 9 keeps the id in `item._id`, so that assignment changes nothing and
every group was spread over all workers (two Chromiums at once, the release wheel built once
per worker, one cluster test waiting a minute for another's machine lock). The id is set here
the way xdist means it to be.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.nodeid import NodeId


def keep_together(items: list[pytest.Item], tests: Path, folders: tuple[str, ...]) -> None:
    for item in items:
        folder = next((f for f in folders if item.path.is_relative_to(tests / f)), None)
        if folder is None:
            continue
        item.add_marker(pytest.mark.xdist_group(folder))
        if item.config.getoption("loadgroup", False) and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{folder}")
