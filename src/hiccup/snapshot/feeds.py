"""The page's history as Atom and RSS (feedgen) and its maintenance windows as an iCalendar feed
(icalendar): subscribe in a feed reader or a calendar, no account needed.

Both libraries (with lxml, about 13 MB of a server's memory) are imported on the first render:
a snapshot renders its feeds when first asked for (`Snapshot.find`), so a server whose feeds
nobody reads never loads them.

Every timestamp in the output comes from the data, never from the clock, so a rebuild with no
change yields the same bytes and the same ETag: readers polling with If-None-Match get 304s.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hiccup.core.incidents import IncidentStatus
from hiccup.core.language import _, current
from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.public import PublicIncident, PublicMaintenance, PublicState, PublicUpdate
from hiccup.core.text import render_markdown
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.pages import history_entries
from hiccup.snapshot.render import (
    INCIDENT_STATUS_LABELS,
    MAINTENANCE_STATUS_LABELS,
    iso_utc,
    speaking_for,
)

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator
    from icalendar import Event

# Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/U+FFFF). Typed
# into an incident over the API, one made lxml raise and every snapshot rebuild after it fail.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def absolute(state: PublicState, look: PageLook, path: str) -> str:
    """The page's own address for `path`; relative when the page has no `url` configured."""
    return state.page.url.rstrip("/") + look.href(path)


def _label(status: object) -> str:
    if isinstance(status, MaintenanceStatus):
        return _(MAINTENANCE_STATUS_LABELS[status])
    if isinstance(status, IncidentStatus):
        return _(INCIDENT_STATUS_LABELS[status])
    return str(status)


def _updates_html(updates: tuple[PublicUpdate, ...]) -> str:
    parts = []
    for update in sorted(updates, key=lambda u: u.display_at, reverse=True):
        parts.append(
            f"<p><strong>{_label(update.status)}</strong> "
            f"({iso_utc(update.display_at)})</p>{render_markdown(update.body)}"
        )
    return "\n".join(parts)


def _title(item: PublicIncident | PublicMaintenance) -> str:
    # As operators title their notices: the state in brackets, "(resolved)", "(completed)".
    # The lower-case words are messages of their own (marked in notify/render.py, which says
    # them in mail subjects): lower-casing a translation would break German nouns.
    if isinstance(item.status, MaintenanceStatus):
        english = MAINTENANCE_STATUS_LABELS[item.status]
    else:
        english = INCIDENT_STATUS_LABELS[item.status]
    return f"{item.name} ({_(english.lower())})"


def _feed(state: PublicState, look: PageLook) -> FeedGenerator:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(absolute(state, look, "/history.atom"))
    names = {"name": state.page.name}
    feed.title(xml_text(_("%(name)s status history") % names))
    feed.description(xml_text(_("Incidents and maintenance of %(name)s") % names))
    feed.link(href=absolute(state, look, "/"), rel="alternate")
    feed.link(href=absolute(state, look, "/history.atom"), rel="self")
    feed.language(current().tag)
    entries = history_entries(state)
    stamps = [e.item.updated_at for e in entries] or [state.page.updated_at]
    feed.updated(max(stamps))
    feed.lastBuildDate(max(stamps))
    feed.generator("Hiccup")
    for entry in entries:
        item = entry.item
        path = f"/maintenance/{item.id}" if entry.kind == "maintenance" else f"/incidents/{item.id}"
        added = feed.add_entry(order="append")
        added.id(absolute(state, look, path))
        added.guid(absolute(state, look, path), permalink=bool(state.page.url))
        added.title(xml_text(_title(item)))
        added.link(href=absolute(state, look, path))
        added.published(item.created_at)
        added.updated(item.updated_at)
        html = xml_text(_updates_html(item.updates))
        # feedgen's description() also rewrites the Atom content without its type, so it goes
        # first: content() then declares the HTML (`type="html"`), else readers show the tags.
        added.description(html)
        added.content(html, type="html")
    return feed


def render_atom(state: PublicState, look: PageLook) -> bytes:
    with speaking_for(look):
        body: bytes = _feed(state, look).atom_str(pretty=False)
    return body


def render_rss(state: PublicState, look: PageLook) -> bytes:
    with speaking_for(look):
        body: bytes = _feed(state, look).rss_str(pretty=False)
    return body


def _event(state: PublicState, look: PageLook, window: PublicMaintenance) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", f"{window.id}@{state.page.id}.hiccup")
    event.add("dtstamp", window.updated_at)
    event.add("last-modified", window.updated_at)
    event.add("created", window.created_at)
    event.add("dtstart", window.scheduled_for)
    event.add("dtend", window.scheduled_until)
    event.add("summary", _("Maintenance: %(name)s") % {"name": window.name})
    latest = max(window.updates, key=lambda u: u.display_at, default=None)
    # The latest update says it all: announced, started, or "completed; N of downtime measured".
    event.add("description", latest.body if latest is not None else window.name)
    url = absolute(state, look, f"/maintenance/{window.id}")
    if url.startswith("http"):
        event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a provider's window is no busy time for the reader
    event.add("sequence", len(window.updates))
    return event


def render_ics(state: PublicState, look: PageLook) -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//Hiccup//Status page maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with speaking_for(look):
        calendar.add("x-wr-calname", _("%(name)s maintenance") % {"name": state.page.name})
        calendar.add("x-published-ttl", "PT1H")
        for window in sorted(state.maintenances, key=lambda m: m.scheduled_for):
            calendar.add_component(_event(state, look, window))
    body: bytes = calendar.to_ical()
    return body
