"""The public pages beyond the front page: one per incident and maintenance window, the
incident history by month, the embeddable status widget, and the stale notice.

Rendered into the snapshot with the front page, from the same PublicState.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.public import PublicIncident, PublicMaintenance, PublicState
from hiccup.core.timefmt import local_date
from hiccup.snapshot.look import DEFAULT_LOOK, PageLook
from hiccup.snapshot.render import ENV, Entry, page_context, speaking_for

MONTHS_PER_PAGE = 3

STALE_MARK = "<!--hiccup:stale-->"


def render_incident(state: PublicState, incident: PublicIncident, look: PageLook) -> str:
    with speaking_for(look):
        context = page_context(state, look)
        return ENV.get_template("incident.html").render(**context, incident=incident)


def render_maintenance(state: PublicState, window: PublicMaintenance, look: PageLook) -> str:
    with speaking_for(look):
        context = page_context(state, look)
        return ENV.get_template("maintenance.html").render(**context, window=window)


@dataclass(frozen=True, slots=True)
class Month:
    key: str  # "2026-11"
    label: str  # "November 2026"
    entries: tuple[Entry, ...]


def history_entries(state: PublicState) -> list[Entry]:
    """Every incident and every completed maintenance the state holds, newest first."""
    entries = [Entry("incident", i, i.started_at) for i in state.open_incidents]
    entries += [Entry("incident", i, i.started_at) for i in state.recent_incidents]
    done = MaintenanceStatus.COMPLETED
    entries += [
        Entry("maintenance", w, w.scheduled_for) for w in state.maintenances if w.status is done
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _months_back(newest: date, oldest: date) -> Iterator[date]:
    year, month = newest.year, newest.month
    while (year, month) >= (oldest.year, oldest.month):
        yield date(year, month, 1)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def history_months(state: PublicState) -> list[Month]:
    """Calendar months in the page's zone, from this one back to the oldest item; a month
    without incidents says so rather than vanishing (a quiet month is news too)."""
    zone = ZoneInfo(state.page.time_zone)
    entries = history_entries(state)

    def local_month(moment: datetime) -> date:
        return moment.astimezone(zone).date().replace(day=1)

    now_month = local_month(state.generated_at)
    oldest = min([now_month, *(local_month(e.at) for e in entries)])
    newest = max([now_month, *(local_month(e.at) for e in entries)])
    return [
        Month(
            f"{first:%Y-%m}",
            local_date(first, "yMMMM"),
            tuple(e for e in entries if local_month(e.at) == first),
        )
        for first in _months_back(newest, oldest)
    ]


def history_path(number: int) -> str:
    return "/history" if number == 1 else f"/history/{number}"


def render_history(state: PublicState, look: PageLook = DEFAULT_LOOK) -> dict[str, str]:
    """'/history', '/history/2', …: a few months a page, newest first."""
    with speaking_for(look):
        return _history_pages(state, look)


def _history_pages(state: PublicState, look: PageLook) -> dict[str, str]:
    months = history_months(state)
    chunks = [months[i : i + MONTHS_PER_PAGE] for i in range(0, len(months), MONTHS_PER_PAGE)]
    template = ENV.get_template("history.html")
    pages = {}
    for number, chunk in enumerate(chunks, start=1):
        newer = look.href(history_path(number - 1)) if number > 1 else None
        older = look.href(history_path(number + 1)) if number < len(chunks) else None
        pages[history_path(number)] = template.render(
            **page_context(state, look), months=chunk, newer=newer, older=older
        )
    return pages


EMBED_CSS = (
    "body{margin:0;font:14px/1.4 system-ui,sans-serif;background:transparent}"
    ".embed{display:inline-flex;align-items:center;gap:.5em;padding:.4em .8em;border-radius:4px;"
    "color:#1d2330;background:#fff;border:1px solid #dfe3e8;text-decoration:none}"
    "@media (prefers-color-scheme:dark){.embed{color:#e6e9ee;background:#1a1f26;"
    "border-color:#2e3540}}"
    ".dot{width:.7em;height:.7em;border-radius:50%;background:#2b8a3e}"
    ".embed--minor .dot{background:#f59f00}.embed--major .dot{background:#d9480f}"
    ".embed--critical .dot{background:#c92a2a}.embed--maintenance .dot{background:#1971c2}"
)


def render_embed(state: PublicState, home: str, look: PageLook = DEFAULT_LOOK) -> str:
    """A one-line status for an <iframe> on another site, linking to the page."""
    with speaking_for(look):
        return ENV.get_template("embed.html").render(
            state=state, page=state.page, home=home, style=Markup(EMBED_CSS)
        )


def render_stale_notice(since: datetime, tz: str, look: PageLook = DEFAULT_LOOK) -> str:
    with speaking_for(look):
        return ENV.get_template("stale_notice.html").render(since=since, tz=tz)
