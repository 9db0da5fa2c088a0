"""The dashboard's address: filters, page and sort read from the query string and written
back into every link (pages, column headers, the live refresh), so a reload or a shared link
shows the same rows in the same order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from hiccup.store.dashboard import MonitorQuery
from hiccup.store.dashboard_sort import SortKey
from hiccup.web.query import page_number

STATUSES = ("up", "degraded", "down", "unknown", "paused")
PER_PAGE = 50
AriaSort = Literal["ascending", "descending", "none"]
_SORT_KEYS = {key.value: key for key in SortKey}

# The table's columns in order: their heading and the key they sort by (None: not sortable).
COLUMNS: tuple[tuple[str, SortKey | None], ...] = (
    ("Status", SortKey.STATUS),
    ("Name", SortKey.NAME),
    ("Since", SortKey.SINCE),
    ("Latency", SortKey.LATENCY),
    ("Uptime 24 h", SortKey.UPTIME),
    ("Last 24 h", None),  # a sparkline: its figure is the latency column's
    ("Certificate", SortKey.CERT),
    ("Last check", SortKey.LAST_CHECK),
    ("Next check", SortKey.NEXT_CHECK),
)


@dataclass(frozen=True, slots=True)
class Heading:
    label: str
    link: str | None  # the query string that sorts by this column (None: not sortable)
    aria_sort: AriaSort


def parse_query(params: QueryParams) -> MonitorQuery:
    status = params.get("status") or None
    return MonitorQuery(
        search=params.get("q", "")[:200],
        status=status if status in STATUSES else None,
        tag=(params.get("tag") or None),
        component_id=(params.get("component") or None),
        page=page_number(params.get("page")),
        per_page=PER_PAGE,
        sort=_SORT_KEYS.get(params.get("sort", ""), SortKey.NAME),
        descending=params.get("dir") == "desc",
    )


def link(spec: MonitorQuery, page: int) -> str:
    """The query string of `spec` at `page`; the default order (name, rising) is left out."""
    params = {
        "q": spec.search,
        "status": spec.status or "",
        "tag": spec.tag or "",
        "component": spec.component_id or "",
        "sort": "" if spec.sort is SortKey.NAME else spec.sort.value,
        "dir": "desc" if spec.descending else "",
        "page": str(page),
    }
    return "?" + urlencode({k: v for k, v in params.items() if v})


def headings(spec: MonitorQuery) -> list[Heading]:
    """Each column's heading: a link to sort by it from the first page, rising; the column
    already sorted by links to the other direction."""
    found = []
    for label, key in COLUMNS:
        if key is None:
            found.append(Heading(label, None, "none"))
            continue
        current = key is spec.sort
        flipped = replace(spec, sort=key, descending=current and not spec.descending)
        aria: AriaSort = "none"
        if current:
            aria = "descending" if spec.descending else "ascending"
        found.append(Heading(label, link(flipped, 1), aria))
    return found
