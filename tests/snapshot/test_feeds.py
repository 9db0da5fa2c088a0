"""history.atom and history.rss: valid feeds, read back by feedparser as a feed reader would."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from xml.etree import ElementTree

import feedparser

from hiccup.snapshot.feeds import render_atom, render_rss
from hiccup.snapshot.look import DEFAULT_LOOK, PageLook
from tests.support.public_fixtures import PAGE, api_incident
from tests.support.site_fixtures import site_state

HOSTILE_FIXTURE_NAME = '"><svg onload=alert(1)>'


def parse(body: bytes) -> Any:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_atom_has_one_entry_per_incident_and_completed_maintenance() -> None:
    feed = parse(render_atom(site_state(), DEFAULT_LOOK))
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert "API unresponsive (identified)" in titles
    assert "Denial of service attack (resolved)" in titles
    assert "Cache purge on flexo (completed)" in titles
    assert len(titles) == 3  # upcoming and running windows are in the calendar, not history


def test_rss_carries_the_same_entries() -> None:
    atom = parse(render_atom(site_state(), DEFAULT_LOOK))
    rss = parse(render_rss(site_state(), DEFAULT_LOOK))
    assert rss.version == "rss20"
    assert [e.title for e in rss.entries] == [e.title for e in atom.entries]


def test_entries_link_to_their_own_page_on_the_page_url() -> None:
    feed = parse(render_atom(site_state(), DEFAULT_LOOK))
    links = {e.title: e.link for e in feed.entries}
    assert links["API unresponsive (identified)"] == "https://status.example.com/incidents/inc1"
    assert links["Cache purge on flexo (completed)"].endswith("/maintenance/mw-done")
    assert feed.feed.title == "Acme Hosting status history"


def test_a_page_under_a_prefix_links_under_it() -> None:
    look = PageLook(prefix="/p/internal")
    feed = parse(render_atom(site_state(), look))
    assert feed.entries[0].link.startswith("https://status.example.com/p/internal/")


def test_updates_are_newest_first_inside_an_entry() -> None:
    feed = parse(render_atom(site_state(), DEFAULT_LOOK))
    entry = next(e for e in feed.entries if e.title.startswith("API unresponsive"))
    content = entry.content[0].value
    assert content.index("Identified") < content.index("Investigating")
    assert "TCP Dup ACK" in content  # the Markdown body, rendered


def test_same_state_gives_the_same_bytes_so_the_etag_holds() -> None:
    assert render_atom(site_state(), DEFAULT_LOOK) == render_atom(site_state(), DEFAULT_LOOK)
    assert render_rss(site_state(), DEFAULT_LOOK) == render_rss(site_state(), DEFAULT_LOOK)


def test_hostile_titles_and_bodies_stay_text_in_the_feed() -> None:
    incident = api_incident()
    update = replace(incident.updates[0], body="<script>alert(1)</script> [x](javascript:alert(1))")
    hostile = replace(incident, name=HOSTILE_FIXTURE_NAME, updates=(update,))
    body = render_atom(site_state(open_incidents=(hostile,), page=PAGE), DEFAULT_LOOK)
    # Read the HTML a reader would render, as written (feedparser would sanitize it for us).
    root = ElementTree.fromstring(body)
    atom = "{http://www.w3.org/2005/Atom}"
    entry = next(
        e
        for e in root.iter(f"{atom}entry")
        if HOSTILE_FIXTURE_NAME in (e.findtext(f"{atom}title") or "")
    )
    html = entry.findtext(f"{atom}content") or ""
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert 'href="javascript:' not in html


def test_atom_declares_its_content_as_html() -> None:
    body = render_atom(site_state(), DEFAULT_LOOK)
    atom = "{http://www.w3.org/2005/Atom}"
    texts = [
        element
        for entry in ElementTree.fromstring(body).iter(f"{atom}entry")
        for element in (*entry.iter(f"{atom}content"), *entry.iter(f"{atom}summary"))
    ]
    assert texts
    assert all(element.get("type") == "html" for element in texts)
    for entry in parse(body).entries:
        assert entry.content[0].type == "text/html"


def test_control_characters_typed_into_an_incident_do_not_break_the_feeds() -> None:
    incident = api_incident()
    update = replace(incident.updates[0], body="line\x00one\x1b[31m ok")
    odd = replace(incident, name="API\x01 down\x0b", updates=(update,))
    state = site_state(open_incidents=(odd,), page=PAGE)
    for body in (render_atom(state, DEFAULT_LOOK), render_rss(state, DEFAULT_LOOK)):
        text = body.decode()
        assert "API down" in text
        assert "one[31m ok" in text
        ElementTree.fromstring(body)
