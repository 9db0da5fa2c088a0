"""The public status page as one self-contained HTML document, rendered from a PublicState.

Rendered once per change into the snapshot, never per request, so the Jinja environment is
built once at import and every input comes from the read model.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hiccup.core.headline import page_headline
from hiccup.core.incidents import IncidentStatus
from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.public import (
    DayUptime,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    PublicState,
)
from hiccup.core.status import COMPONENT_STATUS_LABELS, IncidentImpact
from hiccup.core.text import render_markdown
from hiccup.core.timefmt import format_moment, format_window, humanize_duration
from hiccup.snapshot.charts import latency_chart
from hiccup.snapshot.look import DEFAULT_LOOK, PageLook

INCIDENT_STATUS_LABELS = {
    IncidentStatus.INVESTIGATING: "Investigating",
    IncidentStatus.IDENTIFIED: "Identified",
    IncidentStatus.MONITORING: "Monitoring",
    IncidentStatus.RESOLVED: "Resolved",
    IncidentStatus.POSTMORTEM: "Postmortem",
}

MAINTENANCE_STATUS_LABELS = {
    MaintenanceStatus.SCHEDULED: "Scheduled",
    MaintenanceStatus.IN_PROGRESS: "In progress",
    MaintenanceStatus.VERIFYING: "Verifying",
    MaintenanceStatus.COMPLETED: "Completed",
}

# The front page lists what ended this recently; older items are on /history.
PAST_DAYS = 14
PAST_LIMIT = 10

IMPACT_LABELS = {
    IncidentImpact.NONE: "No impact",
    IncidentImpact.MINOR: "Minor impact",
    IncidentImpact.MAJOR: "Major impact",
    IncidentImpact.CRITICAL: "Critical impact",
}


def iso_utc(moment: datetime) -> str:
    """The machine-readable instant for <time datetime>: UTC, whatever zone the page shows."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def format_day(moment: datetime, tz: str) -> str:
    """'20 Nov 2026': the date of an instant in the page's zone."""
    return f"{moment.astimezone(ZoneInfo(tz)):%-d %b %Y}"


def _extract(key: str, mapping: Mapping[str, str]) -> str:
    # Jinja has no dict-lookup filter for map(); "ids|map('extract', names)" reads well.
    return mapping[key]


def format_uptime(ratio: float) -> str:
    """'99.93%': truncated, not rounded, so a day with any downtime never reads '100%'."""
    # Round away float noise first (0.9993 * 10_000 is 9992.999…), then truncate.
    hundredths = math.floor(round(ratio * 10_000, 6))
    if hundredths >= 10_000:
        return "100%"
    return f"{hundredths / 100:.2f}%"


def day_class(day: DayUptime) -> str:
    """The colour band of one day of the uptime bar."""
    if day.uptime is None:
        return "nodata"
    if day.uptime >= 1.0:
        return "full"
    if day.uptime >= 0.99:
        return "high"
    return "mid" if day.uptime >= 0.95 else "low"


def day_label(day: DayUptime) -> str:
    """'22 Nov 2026: 99.93% uptime, 1 minute down. Incidents: …' — read aloud and hovered."""
    head = f"{day.day:%-d %b %Y}: "
    if day.uptime is None:
        return head + "no data"
    parts = [f"{format_uptime(day.uptime)} uptime"]
    if day.down_seconds:
        parts.append(f"{humanize_duration(timedelta(seconds=day.down_seconds))} down")
    if day.degraded_seconds:
        parts.append(f"{humanize_duration(timedelta(seconds=day.degraded_seconds))} degraded")
    label = head + ", ".join(parts)
    if day.incident_names:
        label += ". Incidents: " + "; ".join(day.incident_names)
    return label


def format_downtime(seconds: float) -> str:
    """'3 minutes 40 seconds of downtime measured' for a completed maintenance window."""
    if seconds <= 0:
        return "no downtime measured"
    return f"{humanize_duration(timedelta(seconds=seconds))} of downtime measured"


def response_chart(c: PublicComponent, now: datetime) -> Markup:
    """A component's response time, hour by hour over the last day (`show_response_time`)."""
    lo = now - timedelta(hours=24)
    label = f"Response time of {c.name} over the last 24 hours (p50, p95, p99 per hour)"
    return latency_chart(c.figures.latency, lo, now, label, height=180)


def _build_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hiccup.snapshot", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        moment=format_moment,
        day=format_day,
        extract=_extract,
        window=format_window,
        duration=humanize_duration,
        markdown=render_markdown,
        iso_utc=iso_utc,
        uptime=format_uptime,
        day_class=day_class,
        day_label=day_label,
        downtime=format_downtime,
    )
    env.globals.update(
        component_labels=COMPONENT_STATUS_LABELS,
        incident_labels=INCIDENT_STATUS_LABELS,
        impact_labels=IMPACT_LABELS,
        maintenance_labels=MAINTENANCE_STATUS_LABELS,
        response_chart=response_chart,
    )
    return env


_ENV = _build_environment()
ENV = _ENV  # shared with hiccup.snapshot.pages


def style_csp_source() -> str:
    """The CSP source ("'sha256-…'") that allows the page's inline <style> and nothing else,
    so the public page can send a strict Content-Security-Policy without 'unsafe-inline'."""
    css = _ENV.get_template("_page.css").render()
    digest = hashlib.sha256(css.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _safe_href(url: str) -> str:
    # The page URL is operator-typed; only a web address may become a link.
    return url if url.startswith(("https://", "http://")) else "/"


@dataclass(frozen=True, slots=True)
class Entry:
    """An incident or a maintenance window in one list (past items, history by month)."""

    kind: str  # "incident" or "maintenance"
    item: PublicIncident | PublicMaintenance
    at: datetime  # when it started, for ordering


def past_entries(state: PublicState, since: datetime) -> list[Entry]:
    """Resolved incidents and completed maintenance that ended after `since`, newest first."""
    entries = [
        Entry("incident", i, i.created_at)
        for i in state.recent_incidents
        if i.resolved_at is None or i.resolved_at >= since
    ]
    entries += [
        Entry("maintenance", w, w.scheduled_for)
        for w in state.maintenances
        if w.status is MaintenanceStatus.COMPLETED
        and (w.completed_at or w.scheduled_until) >= since
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def headline_of(state: PublicState, look: PageLook = DEFAULT_LOOK) -> str:
    leaves = [(c.name, c.status) for c in state.components if not c.is_group]
    return page_headline(leaves, state.indicator, look.headline)


def page_context(state: PublicState, look: PageLook = DEFAULT_LOOK) -> dict[str, Any]:
    return {
        "state": state,
        "headline": headline_of(state, look),
        "page": state.page,
        "tz": state.page.time_zone,
        "component_names": {c.id: c.name for c in state.components},
        "look": look,
        "style": look.style(),
    }


def render_page(
    state: PublicState, *, stale_since: datetime | None = None, look: PageLook = DEFAULT_LOOK
) -> str:
    """The whole status page. stale_since: when the live data stopped (e.g. the database is
    gone and this is the last snapshot); the page then says it may be out of date."""
    context = page_context(state, look)
    past = past_entries(state, state.generated_at - timedelta(days=PAST_DAYS))[:PAST_LIMIT]
    return _ENV.get_template("page.html").render(
        **context, stale_since=stale_since, past=past, past_days=PAST_DAYS
    )


def render_not_found(state: PublicState | None) -> str:
    """A plain 404, branded with the page when one is known."""
    page = state.page if state is not None else None
    home = _safe_href(page.url) if page is not None else "/"
    return _ENV.get_template("not_found.html").render(page=page, home=home)
