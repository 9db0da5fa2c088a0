"""The public status page shows the state clearly, in the page's zone, and operator text inert."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from dataclasses import replace
from datetime import timedelta

from hiccup.core.headline import HeadlineStyle
from hiccup.core.public import DayUptime, Figures, PublicUpdate
from hiccup.core.status import ComponentStatus
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.render import render_not_found, render_page, style_csp_source
from tests.support.public_fixtures import (
    NOW,
    PAGE,
    api_incident,
    assert_inert,
    component,
    days,
    ddos_incident,
    make_state,
    tags_of,
)

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_BODY = "Look: <img src=x onerror=alert(1)> and [x](javascript:alert(1))"
HOSTILE_NAME = '"><svg onload=alert(1)>'


def body_of(html: str) -> str:
    """The part operators' text can reach; the head holds only our own <style>, the end only
    our own script."""
    return html.split("</head>", 1)[1].split('<script src="/static/live.js"', 1)[0]


def between(html: str, start: str, end: str) -> str:
    head = html.index(start)
    return html[head : html.index(end, head)]


def hostile_state() -> str:
    incident = api_incident()
    update = replace(incident.updates[0], body=HOSTILE_BODY)
    comps = (
        component("api", HOSTILE_NAME, 1, history=days([0.5])),
        component("web", HOSTILE_NAME, 2, member_ids=("amy",)),
        component("amy", HOSTILE_NAME, 1, group_id="web"),
    )
    hostile_day = DayUptime(NOW.date(), 0.5, 43_200, incident_names=(HOSTILE_TITLE,))
    comps = (replace(comps[0], days=(hostile_day,)), *comps[1:])
    state = make_state(
        page=replace(PAGE, name=HOSTILE_NAME),
        description=HOSTILE_TITLE,
        components=comps,
        open_incidents=(replace(incident, name=HOSTILE_TITLE, updates=(update,)),),
    )
    return render_page(state)


def test_page_shows_the_page_name_as_the_main_heading() -> None:
    html = render_page(make_state())
    assert '<h1 class="masthead__title">Acme Hosting</h1>' in html
    assert "<title>Acme Hosting: API is down</title>" in html


def test_banner_shows_the_indicator_in_colour_and_names_what_is_down() -> None:
    html = render_page(make_state())
    banner = between(html, '<div class="banner', "</div>")
    assert "banner--critical" in banner
    assert "API is down" in banner


def test_banner_says_it_in_statuspage_words_when_the_page_asks() -> None:
    html = render_page(make_state(), look=PageLook(headline=HeadlineStyle.STATUSPAGE))
    banner = between(html, '<div class="banner', "</div>")
    assert "Major System Outage" in banner


def test_open_incident_shows_title_impact_and_affected_components() -> None:
    active = between(render_page(make_state()), 'id="h-open"', "</section>")
    assert "API unresponsive" in active
    assert "Critical impact" in active
    assert "Affected: API" in active


def test_open_incident_updates_are_newest_first_with_status_labels() -> None:
    active = between(render_page(make_state()), 'id="h-open"', "</section>")
    assert active.index("Identified") < active.index("Investigating")
    assert active.index("UPDATE 1") < active.index("For still unknown reasons")


def test_updates_given_oldest_first_are_still_shown_newest_first() -> None:
    incident = api_incident()
    state = make_state(open_incidents=(replace(incident, updates=incident.updates[::-1]),))
    active = between(render_page(state), 'id="h-open"', "</section>")
    assert active.index("Identified") < active.index("Investigating")


def test_update_times_are_in_utc_pages_zone_inside_time_elements() -> None:
    html = render_page(make_state())
    assert '<time datetime="2026-11-22T16:34:00Z">22 Nov 2026, 16:34 UTC</time>' in html
    assert '<time datetime="2026-11-22T16:10:00Z">22 Nov 2026, 16:10 UTC</time>' in html


def test_update_times_follow_the_page_time_zone() -> None:
    state = make_state(page=replace(PAGE, time_zone="America/Los_Angeles"))
    html = render_page(state)
    # The datetime attribute stays UTC for machines; the text is local for people.
    assert '<time datetime="2026-11-22T16:34:00Z">22 Nov 2026, 08:34 PST</time>' in html


def test_components_show_status_in_words_not_only_colour() -> None:
    html = render_page(make_state())
    api = between(html, '<span class="component__name">API</span>', "</div>")
    assert "status--major_outage" in api
    assert "Major outage" in api
    assert "Operational" in html


def test_group_lists_its_members_inside_it() -> None:
    html = render_page(make_state())
    group = between(html, '<details class="group"', "</details>")
    assert "Web servers" in group
    assert "(2 components)" in group
    assert '<span class="component__name">amy</span>' in group
    assert '<span class="component__name">flexo</span>' in group
    assert '<span class="component__name">API</span>' not in group


def test_healthy_group_is_collapsed_and_troubled_group_is_open() -> None:
    healthy = render_page(make_state())
    assert '<details class="group">' in healthy
    state = make_state()
    comps = tuple(
        replace(c, status=ComponentStatus.PARTIAL_OUTAGE) if c.id == "web" else c
        for c in state.components
    )
    troubled = render_page(replace(state, components=comps))
    assert '<details class="group" open>' in troubled


def test_top_level_components_follow_their_position() -> None:
    state = make_state()
    comps = tuple(replace(c, position=9) if c.id == "api" else c for c in state.components)
    html = render_page(replace(state, components=comps))
    assert html.index("Web servers") < html.index('<span class="component__name">API</span>')


def test_uptime_bar_labels_each_day_for_hover_and_screen_readers() -> None:
    html = render_page(make_state())
    label = "19 Nov 2026: 99.93% uptime, 1 minute down"
    assert f'<li class="day day--high" tabindex="-1"><span class="tip">{label}</span></li>' in html
    assert '<span class="tip">22 Nov 2026: 100% uptime</span>' in html
    assert (
        'day--mid" tabindex="-1"><span class="tip">20 Nov 2026: 97.00% uptime, 43 minutes' in html
    )
    assert 'day--low" tabindex="-1"><span class="tip">21 Nov 2026: 50.00% uptime, 12 hours' in (
        html
    )


def test_only_the_latest_day_of_a_bar_is_in_the_tab_order() -> None:
    html = render_page(make_state())
    bar = between(html, 'aria-label="Daily uptime of API"', "</ol>")
    assert bar.count('tabindex="0"') == 1
    assert bar.rindex('tabindex="0"') > bar.rindex('tabindex="-1"')


def test_uptime_bar_names_the_incidents_of_a_day() -> None:
    day = DayUptime(NOW.date(), 0.99, 864, 0, ("API unresponsive", "Slow logins"))
    state = make_state(components=(component("api", "API", 1, history=(day,)),))
    html = render_page(state)
    assert (
        "22 Nov 2026: 99.00% uptime, 14 minutes 24 seconds down. "
        "Incidents: API unresponsive; Slow logins" in html
    )


def test_days_without_data_are_grey_and_say_no_data() -> None:
    html = render_page(make_state())
    assert (
        '<li class="day day--nodata" tabindex="-1"><span class="tip">16 Nov 2026: no data' in html
    )
    flexo = between(html, '<span class="component__name">flexo</span>', "</p>\n</div>")
    assert '<span class="uptime__total">no data</span>' in flexo


def test_component_uptime_over_the_range_sits_next_to_the_bar() -> None:
    html = render_page(make_state())
    amy = between(html, '<span class="component__name">amy</span>', "</p>\n</div>")
    assert '<span class="uptime__total">99.98% uptime</span>' in amy


def test_a_day_with_any_downtime_never_reads_as_100_percent() -> None:
    day = DayUptime(NOW.date(), 0.999999, 1)
    state = make_state(components=(component("api", "API", 1, history=(day,)),))
    assert "22 Nov 2026: 99.99% uptime, 1 second down" in render_page(state)


def test_ninety_days_offer_a_thirty_day_legend_for_phones() -> None:
    history = days([1.0] * 90)
    state = make_state(components=(component("api", "API", 1, history=history, uptime=1.0),))
    thirty = Figures((("24h", 1.0), ("7d", 1.0), ("30d", 0.995), ("90d", 1.0)))
    state = replace(state, components=(replace(state.components[0], figures=thirty),))
    html = render_page(state)
    assert html.count('class="day day--full"') == 90
    assert '<span class="legend-long">90 days ago</span>' in html
    assert '<span class="legend-short">30 days ago</span>' in html
    # What a phone shows beside its thirty bars is the thirty days' figure, not ninety's.
    assert '<span class="uptime__total legend-long">100% uptime</span>' in html
    assert '<span class="uptime__total legend-short">99.50% uptime</span>' in html


def test_past_incidents_are_listed_newest_first_with_their_window() -> None:
    older = replace(ddos_incident(), id="old", name="Flexo server temporarily unavailable")
    older = replace(older, created_at=older.created_at - timedelta(days=3))
    state = make_state(recent_incidents=(older, ddos_incident()))
    past = between(render_page(state), 'id="h-past"', "</section>")
    assert past.index("Denial of service attack") < past.index("Flexo server temporarily")
    assert "Major impact" in past
    assert "20 Nov 2026</time>, 16:10–17:23 UTC" in past
    assert "1 hour 13 minutes" in past
    assert past.index("Resolved") < past.index("Investigating")


def test_without_past_incidents_the_page_says_so() -> None:
    past = between(render_page(make_state(recent_incidents=())), 'id="h-past"', "</section>")
    assert "No incidents in the past 14 days." in past
    assert '<a href="/history">Incident history</a>' in past


def test_without_open_incidents_there_is_no_active_section() -> None:
    assert 'id="h-open"' not in render_page(make_state(open_incidents=()))


def test_postmortem_is_rendered_as_markdown() -> None:
    incident = replace(ddos_incident(), postmortem="# What happened\n\nA **2 Gbps** flood.")
    html = render_page(make_state(recent_incidents=(incident,)))
    assert "<h4>Postmortem</h4>" in html
    assert "<p>A <strong>2 Gbps</strong> flood.</p>" in html


def test_footer_says_powered_by_and_last_updated() -> None:
    footer = between(render_page(make_state()), "<footer", "</footer>")
    assert "Powered by Hiccup" in footer
    expected = '<time datetime="2026-11-22T16:40:00Z">22 Nov 2026, 16:40 UTC</time>'
    assert f"Last updated <!--stamp-->{expected}<!--/stamp-->" in footer


def test_stale_page_says_it_shows_the_last_known_status() -> None:
    since = NOW - timedelta(minutes=5)
    html = render_page(make_state(), stale_since=since)
    assert (
        "Showing the last known status from "
        '<time datetime="2026-11-22T16:35:00Z">22 Nov 2026, 16:35 UTC</time>; '
        "live updates are paused."
    ) in html


def test_fresh_page_has_no_stale_notice() -> None:
    assert "live updates are paused" not in render_page(make_state())


def test_seed_links_in_update_bodies_render_with_nofollow() -> None:
    links = [a for tag, a in tags_of(body_of(render_page(make_state()))) if tag == "a"]
    google = next(a for a in links if "google.com" in (a["href"] or ""))
    assert google["rel"] == "nofollow noopener"


def test_hostile_operator_text_is_inert_everywhere() -> None:
    html = hostile_state()
    assert_inert(body_of(html))
    for live in ("<script>alert", "<svg onload", "<img src=x", 'href="javascript:'):
        assert live not in html


def test_hostile_operator_text_is_shown_escaped() -> None:
    html = hostile_state()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "[x](javascript:alert(1))" in html  # shown as the text the operator typed
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html
    assert 'aria-label="Daily uptime of &#34;&gt;&lt;svg onload=alert(1)&gt;"' in html


def test_update_body_markdown_is_rendered() -> None:
    incident = api_incident()
    update = PublicUpdate("u", incident.status, "We **restarted** it.", NOW, NOW)
    html = render_page(make_state(open_incidents=(replace(incident, updates=(update,)),)))
    assert "<p>We <strong>restarted</strong> it.</p>" in html


def test_page_has_its_css_inlined_and_only_its_own_deferred_script() -> None:
    html = render_page(make_state())
    assert "<style>" in html
    assert "prefers-color-scheme: dark" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    scripts = [a for tag, a in tags_of(html) if tag == "script"]
    assert scripts == [{"src": "/static/live.js", "defer": None}]
    links = [a for tag, a in tags_of(html) if tag == "link"]
    assert {a["rel"] for a in links} == {"alternate"}  # feed discovery, no stylesheet to wait on


def test_page_has_landmarks_and_heading_order() -> None:
    html = render_page(make_state())
    for landmark in ("<header", '<main id="main"', "<footer"):
        assert landmark in html
    levels = [int(level) for level in re.findall(r"<h([1-6])", body_of(html))]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_style_csp_source_matches_the_inline_style() -> None:
    html = render_page(make_state())
    css = between(html, "<style>", "</style>").removeprefix("<style>")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert style_csp_source() == f"'sha256-{digest}'"


def test_not_found_page_names_the_status_page_and_links_home() -> None:
    html = render_not_found(make_state())
    assert "<h1" in html
    assert "Page not found" in html
    assert "Acme Hosting" in html
    assert '<a href="https://status.example.com">' in html


def test_not_found_without_a_page_links_to_the_root() -> None:
    html = render_not_found(None)
    assert "Page not found" in html
    assert '<a href="/">' in html


def test_not_found_keeps_a_hostile_page_name_and_url_inert() -> None:
    state = make_state(page=replace(PAGE, name=HOSTILE_NAME, url="javascript:alert(1)"))
    html = render_not_found(state)
    assert_inert(body_of(html))
    assert "javascript:" not in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html
