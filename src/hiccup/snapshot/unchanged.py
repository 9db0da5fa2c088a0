"""A rebuild changes only what changed: a response whose content is the same as in the last
snapshot keeps its bytes and ETag, however much later it was rendered.

Every page says when it was last updated; without this, each rebuild (once a minute, and after
any change anywhere) would give every page a new ETag, readers would fetch them all again, and
a change on a private page would show on the public ones as a new ETag and a live event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from hiccup.snapshot.assets import Asset, Snapshot

# The template wraps the "Last updated" time in these, so it can be set aside when comparing.
_STAMP = re.compile(rb"<!--stamp-->.*?<!--/stamp-->", re.S)


def _content(asset: Asset) -> bytes:
    return _STAMP.sub(b"", asset.body)


def _same(old: Asset | None, new: Asset) -> bool:
    return (
        old is not None
        and old.content_type == new.content_type
        and old.headers == new.headers
        and old.private == new.private
        and (old.etag == new.etag or _content(old) == _content(new))
    )


def _keep(old: Mapping[str, Asset], new: Mapping[str, Asset]) -> dict[str, Asset]:
    return {path: old[path] if _same(old.get(path), a) else a for path, a in new.items()}


def keep_unchanged(previous: Snapshot | None, fresh: Snapshot) -> Snapshot:
    """`fresh`, with every response whose content did not change taken from `previous`."""
    if previous is None or previous.stale_since is not None:
        return fresh  # the stale notice goes away: every page changes
    hosts = {h: _keep(previous.hosts.get(h, {}), m) for h, m in fresh.hosts.items()}
    return replace(fresh, assets=_keep(previous.assets, fresh.assets), hosts=hosts)
