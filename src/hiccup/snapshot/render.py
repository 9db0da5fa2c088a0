"""The public status page as one self-contained HTML document, rendered from a PublicState.

Rendered once per change into the snapshot, never per request, so the Jinja environment is
built once at import and every input comes from the read model.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_percent
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hiccup.core.headline import page_headline
from hiccup.core.incidents import IncidentStatus
from hiccup.core.language import (
    N_,
    Language,
    Spoken,
    _,
    current,
    install_i18n,
    language,
    speaking,
)
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
from hiccup.core.timefmt import format_moment, format_window, humanize_duration, local_date
from hiccup.snapshot.charts import latency_chart
from hiccup.snapshot.look import DEFAULT_LOOK, PageLook

INCIDENT_STATUS_LABELS = {
    IncidentStatus.INVESTIGATING: N_("Investigating"),
    IncidentStatus.IDENTIFIED: N_("Identified"),
    IncidentStatus.MONITORING: N_("Monitoring"),
    IncidentStatus.RESOLVED: N_("Resolved"),
    IncidentStatus.POSTMORTEM: N_("Postmortem"),
}

MAINTENANCE_STATUS_LABELS = {
    MaintenanceStatus.SCHEDULED: N_("Scheduled"),
    MaintenanceStatus.IN_PROGRESS: N_("In progress"),
    MaintenanceStatus.VERIFYING: N_("Verifying"),
    MaintenanceStatus.COMPLETED: N_("Completed"),
}

# The front page lists what ended this recently; older items are on /history.
PAST_DAYS = 14
PAST_LIMIT = 10

IMPACT_LABELS = {
    IncidentImpact.NONE: N_("No impact"),
    IncidentImpact.MINOR: N_("Minor impact"),
    IncidentImpact.MAJOR: N_("Major impact"),
    IncidentImpact.CRITICAL: N_("Critical impact"),
}


def iso_utc(moment: datetime) -> str:
    """The machine-readable instant for <time datetime>: UTC, whatever zone the page shows."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def format_day(moment: datetime, tz: str) -> str:
    """'20 Nov 2026': the date of an instant in the page's zone."""
    return local_date(moment.astimezone(ZoneInfo(tz)).date())


def _extract(key: str, mapping: Mapping[str, str]) -> str:
    # Jinja has no dict-lookup filter for map(); "ids|map('extract', names)" reads well.
    return mapping[key]


def format_uptime(ratio: float) -> str:
    """'99.93%': truncated, not rounded, so a day with any downtime never reads '100%'."""
    # Round away float noise first (0.9993 * 10_000 is 9992.999…), then truncate.
    hundredths = math.floor(round(ratio * 10_000, 6))
    lang = current()
    if lang.is_source:
        return "100%" if hundredths >= 10_000 else f"{hundredths / 100:.2f}%"
    # The locale's percent pattern ("#,##0 %" in German) with two decimals, unless whole.
    pattern = lang.locale.percent_formats[None].pattern
    if hundredths < 10_000:
        pattern = pattern.replace("#,##0", "#,##0.00")
    return format_percent(min(hundredths, 10_000) / 10_000, pattern, locale=lang.locale)


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
    head = f"{local_date(day.day)}: "
    if day.uptime is None:
        return head + _("no data")
    parts = [_("%(uptime)s uptime") % {"uptime": format_uptime(day.uptime)}]
    if day.down_seconds:
        down = humanize_duration(timedelta(seconds=day.down_seconds))
        parts.append(_("%(duration)s down") % {"duration": down})
    if day.degraded_seconds:
        slow = humanize_duration(timedelta(seconds=day.degraded_seconds))
        parts.append(_("%(duration)s degraded") % {"duration": slow})
    label = head + ", ".join(parts)
    if day.incident_names:
        label += _(". Incidents: %(names)s") % {"names": "; ".join(day.incident_names)}
    return label


def format_downtime(seconds: float) -> str:
    """'3 minutes 40 seconds of downtime measured' for a completed maintenance window."""
    if seconds <= 0:
        return _("no downtime measured")
    duration = humanize_duration(timedelta(seconds=seconds))
    return _("%(duration)s of downtime measured") % {"duration": duration}


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
    install_i18n(env)
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
        component_labels=Spoken(COMPONENT_STATUS_LABELS),
        incident_labels=Spoken(INCIDENT_STATUS_LABELS),
        impact_labels=Spoken(IMPACT_LABELS),
        maintenance_labels=Spoken(MAINTENANCE_STATUS_LABELS),
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


def page_language(look: PageLook) -> Language:
    return language(look.language)


@contextmanager
def speaking_for(look: PageLook) -> Iterator[Language]:
    """Everything rendered inside speaks the page's language (its words, dates, numbers)."""
    with speaking(page_language(look)) as lang:
        yield lang


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
    past = past_entries(state, state.generated_at - timedelta(days=PAST_DAYS))[:PAST_LIMIT]
    with speaking_for(look):
        context = page_context(state, look)
        return _ENV.get_template("page.html").render(
            **context, stale_since=stale_since, past=past, past_days=PAST_DAYS
        )


def render_not_found(state: PublicState | None, look: PageLook = DEFAULT_LOOK) -> str:
    """A plain 404, branded with the page when one is known."""
    page = state.page if state is not None else None
    home = _safe_href(page.url) if page is not None else "/"
    with speaking_for(look):
        return _ENV.get_template("not_found.html").render(page=page, home=home)
