"""Hand-built PublicState objects for the public page and Statuspage JSON tests, and a check
that rendered HTML is inert.

Texts come from the real outage write-ups Hiccup was designed from (/work/shared/seeds), copied
here so the tests do not depend on files outside the repository.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from hiccup.core.incidents import IncidentStatus
from hiccup.core.public import (
    AffectedComponent,
    DayUptime,
    PublicComponent,
    PublicIncident,
    PublicPage,
    PublicState,
    PublicUpdate,
)
from hiccup.core.status import ComponentStatus, IncidentImpact, PageIndicator

NOW = datetime(2026, 11, 22, 16, 40, 0, 351000, tzinfo=UTC)
STARTED = datetime(2026, 11, 22, 16, 10, tzinfo=UTC)

SEED_UPDATE_1 = (
    "**UPDATE 1** 2013-05-22: If you are have deep SysOp knowledge or you are just curious: "
    "**[TCP Dup ACK**](https://www.google.com/search?q=TCP+Dup+ACK) might be the trigger of "
    "the issue."
)
SEED_UPDATE_2 = (
    "**UPDATE 2** 2013-05-24: We finally got to the root of the issue and were able to resolve "
    "the main problem. We're still monitoring our systems carefully for recurrences but are "
    "confident it's gone for good."
)
SEED_DDOS = (
    "Beginning at 2:16 AM Pacific time this morning, we began experiencing a "
    "“distributed denial of service” attack aimed at our “flexo” Web server.\n\n"
    "The attack used more than 2 Gbps of network bandwidth from several thousand different "
    "IP addresses."
)
SEED_DDOS_RESOLVED = (
    "We restored service to all servers except the flexo Web server at 2:59 AM. "
    "All services are now operating normally, and all delayed incoming mail has been delivered."
)
SEED_CPU = (
    "For still unknown reasons the CPU load on the central backend went to 100% at 16:10 UTC. "
    "As a result the web server/API became unresponsive."
)

PAGE = PublicPage(
    id="pg1",
    slug="acme",
    name="Acme Hosting",
    url="https://status.example.com",
    time_zone="Etc/UTC",
    updated_at=NOW,
)


TODAY = NOW.date()


def days(uptimes: list[float | None], *, last: date = TODAY) -> tuple[DayUptime, ...]:
    """One DayUptime per ratio, ending on `last`; down_seconds follow from the ratio."""
    first = last - timedelta(days=len(uptimes) - 1)
    return tuple(
        DayUptime(
            day=first + timedelta(days=n),
            uptime=u,
            down_seconds=0 if u is None else round((1 - u) * 86_400),
        )
        for n, u in enumerate(uptimes)
    )


def component(
    cid: str,
    name: str,
    position: int,
    *,
    status: ComponentStatus = ComponentStatus.OPERATIONAL,
    group_id: str | None = None,
    member_ids: tuple[str, ...] = (),
    history: tuple[DayUptime, ...] = (),
    uptime: float | None = None,
) -> PublicComponent:
    return PublicComponent(
        id=cid,
        name=name,
        status=status,
        position=position,
        created_at=datetime(2026, 1, 5, 7, 30, tzinfo=UTC),
        updated_at=STARTED,
        group_id=group_id,
        is_group=bool(member_ids),
        member_ids=member_ids,
        days=history,
        uptime=uptime,
    )


def api_incident() -> PublicIncident:
    """An open incident with two updates, newest first."""
    affected = AffectedComponent(
        "api", "API", ComponentStatus.OPERATIONAL, ComponentStatus.MAJOR_OUTAGE
    )
    first = PublicUpdate(
        id="up1",
        status=IncidentStatus.INVESTIGATING,
        body=SEED_CPU,
        created_at=STARTED,
        display_at=STARTED,
        affected=(affected,),
    )
    second = PublicUpdate(
        id="up2",
        status=IncidentStatus.IDENTIFIED,
        body=SEED_UPDATE_1,
        created_at=STARTED + timedelta(minutes=24),
        display_at=STARTED + timedelta(minutes=24),
    )
    return PublicIncident(
        id="inc1",
        name="API unresponsive",
        status=IncidentStatus.IDENTIFIED,
        impact=IncidentImpact.CRITICAL,
        created_at=STARTED,
        updated_at=second.created_at,
        started_at=STARTED,
        component_ids=("api",),
        updates=(second, first),
    )


def ddos_incident() -> PublicIncident:
    """A resolved incident from two days ago, on a group member."""
    start = STARTED - timedelta(days=2)
    end = start + timedelta(minutes=73)
    updates = (
        PublicUpdate("up4", IncidentStatus.RESOLVED, SEED_DDOS_RESOLVED, end, end),
        PublicUpdate("up3", IncidentStatus.INVESTIGATING, SEED_DDOS, start, start),
    )
    return PublicIncident(
        id="inc0",
        name="Denial of service attack",
        status=IncidentStatus.RESOLVED,
        impact=IncidentImpact.MAJOR,
        created_at=start,
        updated_at=end,
        started_at=start,
        resolved_at=end,
        component_ids=("flexo",),
        updates=updates,
    )


def make_state(**changes: Any) -> PublicState:
    """A page with a top-level API, a 'Web servers' group of amy and flexo, one open and one
    past incident; keyword arguments replace PublicState fields."""
    history = days([None, None, 1.0, 0.9993, 0.97, 0.5, 1.0])
    comps = (
        component("api", "API", 1, status=ComponentStatus.MAJOR_OUTAGE, history=history),
        component("web", "Web servers", 2, member_ids=("amy", "flexo")),
        component("amy", "amy", 1, group_id="web", history=history, uptime=0.99981),
        component("flexo", "flexo", 2, group_id="web", history=days([None] * 7)),
    )
    state = PublicState(
        page=PAGE,
        indicator=PageIndicator.CRITICAL,
        description="Major System Outage",
        generated_at=NOW,
        components=comps,
        open_incidents=(api_incident(),),
        recent_incidents=(ddos_incident(),),
    )
    return replace(state, **changes)


class _Tags(HTMLParser):
    """Every start tag and its attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_inert(html: str) -> None:
    for tag, attrs in tags_of(html):
        assert tag not in {"script", "style", "iframe", "img", "svg", "object", "embed"}
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
