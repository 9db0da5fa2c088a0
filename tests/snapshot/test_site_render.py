"""The whole public site in one snapshot: every page and document, maintenance shown, history by
month, one page per incident, and a private page that never spills into a public one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hiccup.auth.page_access import Guard
from hiccup.snapshot.builder import render_snapshot
from hiccup.snapshot.disk import mark_stale
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.render import render_page
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import render_site
from tests.support.public_fixtures import NOW, assert_inert, ddos_incident, make_state
from tests.support.site_fixtures import site_state


def html(path: str, **changes: object) -> str:
    return render_snapshot(site_state(**changes)).assets[path].body.decode()


def between(text: str, start: str, end: str) -> str:
    head = text.index(start)
    return text[head : text.index(end, head)]


def test_active_maintenance_comes_first_and_upcoming_after_incidents() -> None:
    page = html("/")
    now, active, upcoming = (
        page.index('id="h-maintenance-now"'),
        page.index('id="h-open"'),
        page.index('id="h-upcoming"'),
    )
    assert now < active < upcoming < page.index('id="h-components"')
    assert "Kernel upgrade on amy" in between(page, 'id="h-maintenance-now"', "</section>")
    assert "Database failover test" in between(page, 'id="h-upcoming"', "</section>")


def test_completed_maintenance_states_the_downtime_measured() -> None:
    past = between(html("/"), 'id="h-past"', "</section>")
    assert "Cache purge on flexo" in past
    assert "3 minutes 40 seconds of downtime measured" in past
    assert "3 minutes 40 seconds of downtime measured" in html("/history")


def test_each_incident_and_window_has_its_own_page() -> None:
    incident = html("/incidents/inc0")
    assert "<h1>Denial of service attack</h1>" in incident
    assert "Affected: flexo" in incident
    assert "1 hour 13 minutes" in incident  # the measured window
    assert incident.index("Resolved") < incident.index("Investigating")
    window = html("/maintenance/mw-done")
    assert "3 minutes 40 seconds of downtime measured" in window


def test_an_incident_page_shows_its_postmortem_as_sanitized_markdown() -> None:
    incident = replace(ddos_incident(), postmortem="**Cause**: flood. <script>alert(1)</script>")
    page = html("/incidents/inc0", recent_incidents=(incident,))
    assert "<strong>Cause</strong>" in page
    assert "<script>alert" not in page


def test_history_is_by_month_with_quiet_months_saying_so() -> None:
    old = replace(ddos_incident(), id="old", name="Older outage")
    old = replace(old, started_at=NOW - timedelta(days=100), created_at=NOW - timedelta(days=100))
    snapshot = render_snapshot(site_state(recent_incidents=(ddos_incident(), old)))
    first = snapshot.assets["/history"].body.decode()
    assert '<h2 id="month-2026-11">November 2026</h2>' in first
    assert "October 2026" in first
    assert "No incidents reported." in first
    assert '<a href="/history/2">Older →</a>' in first
    second = snapshot.assets["/history/2"].body.decode()
    assert "August 2026" in second
    assert "Older outage" in second


def test_a_second_page_lives_under_its_prefix_with_only_its_components() -> None:
    state = site_state()
    site = Site(
        (
            SitePage(state.page.slug, default=True),
            SitePage("mail", PageLook(prefix="/p/mail"), ("flexo",), name="Flexo status"),
        )
    )
    snapshot = render_site({state.page.slug: state, "mail": state}, site, NOW)
    page = snapshot.assets["/p/mail/"].body.decode()
    assert snapshot.assets["/p/mail"] is snapshot.assets["/p/mail/"]
    assert "Flexo status" in page
    assert "API unresponsive" not in page
    assert 'href="/p/mail/incidents/inc0"' in page
    summary = snapshot.assets["/p/mail/api/v2/summary.json"].body.decode()
    assert '"name":"Flexo status"' in summary
    assert "/p/mail/incidents/inc1" not in snapshot.assets


def test_a_private_page_is_marked_private_and_absent_from_the_public_one() -> None:
    state = site_state()
    guard = Guard("ops", "pw")
    site = Site(
        (
            SitePage(state.page.slug, keys=("web",), default=True),
            SitePage("ops", PageLook(prefix="/p/ops"), ("api",), name="Ops", guard=guard),
        )
    )
    snapshot = render_site({state.page.slug: state, "ops": state}, site, NOW)
    private = {p for p, a in snapshot.assets.items() if a.private}
    assert private == {p for p in snapshot.assets if p.startswith("/p/ops")}
    assert snapshot.guards == {"ops": guard}
    public = b"".join(a.body for p, a in snapshot.assets.items() if not a.private)
    assert b"API unresponsive" not in public
    assert b"/p/ops" not in public
    assert ("access-control-allow-origin", "*") not in snapshot.assets[
        "/p/ops/badge/status.svg"
    ].headers
    exported = render_site({state.page.slug: state, "ops": state}, site.public(), NOW)
    assert not any(p.startswith("/p/ops") for p in exported.assets)


def test_a_page_with_hosts_is_also_served_at_the_root_of_those_hosts() -> None:
    state = site_state()
    site = Site(
        (
            SitePage(state.page.slug, default=True),
            SitePage("mail", PageLook(prefix="/p/mail"), ("flexo",), hosts=("mail.example",)),
        )
    )
    snapshot = render_site({state.page.slug: state, "mail": state}, site, NOW)
    at_root = snapshot.find("mail.example", "/").body.decode()  # type: ignore[union-attr]
    assert 'href="/incidents/inc0"' in at_root
    assert snapshot.find("other.example", "/") is snapshot.assets["/"]


def test_branding_reaches_the_page_and_its_csp() -> None:
    look = PageLook(
        logo_url="https://cdn.example.com/logo.svg",
        accent_color="#1a7f37",
        custom_css=".banner{border-radius:0}",
        footer_links=(("Contact", "mailto:ops@example.com"),),
    )
    state = site_state()
    site = Site((SitePage(state.page.slug, look, default=True),))
    asset = render_site({state.page.slug: state}, site, NOW).assets["/"]
    page = asset.body.decode()
    assert '<img class="logo" src="https://cdn.example.com/logo.svg" alt="Acme Hosting">' in page
    assert "--accent: #1a7f37" in page
    assert ".banner{border-radius:0}" in page
    assert '<a href="mailto:ops@example.com" rel="noopener">Contact</a>' in page
    csp = dict(asset.headers)["content-security-policy"]
    assert "img-src 'self' data: https://cdn.example.com" in csp
    assert look.csp() == csp


def test_the_embed_may_be_framed_and_the_page_may_not() -> None:
    snapshot = render_snapshot(site_state())
    embed = dict(snapshot.assets["/embed"].headers)["content-security-policy"]
    page = dict(snapshot.assets["/"].headers)["content-security-policy"]
    assert "frame-ancestors *" in embed
    assert "frame-ancestors 'none'" in page
    assert b"Major System Outage" in snapshot.assets["/embed"].body


def test_a_stale_snapshot_says_so_on_every_page() -> None:
    snapshot = mark_stale(render_snapshot(site_state()), NOW - timedelta(minutes=5))
    for path in ("/", "/history", "/incidents/inc0", "/maintenance/mw-now"):
        body = snapshot.assets[path].body.decode()
        assert "Showing the last known status from" in body, path
        assert "22 Nov 2026, 16:35 UTC" in body
    fresh = render_snapshot(site_state())
    assert snapshot.assets["/"].etag != fresh.assets["/"].etag
    assert snapshot.version != fresh.version


def test_hostile_operator_text_is_inert_on_every_html_page() -> None:
    incident = replace(
        ddos_incident(), name="<img src=x onerror=alert(1)>", postmortem="[x](javascript:alert(1))"
    )
    snapshot = render_snapshot(site_state(recent_incidents=(incident,)))
    for asset in snapshot.assets.values():
        if asset.content_type.startswith("text/html"):
            body = asset.body.decode().split("</head>", 1)[1]
            assert_inert(body.split('<script src="/static/live.js"', 1)[0])


def test_each_page_links_to_its_own_subscribe_form_only_where_one_is_offered() -> None:
    link = '<a href="/subscribe">Subscribe to updates</a>'
    assert link in render_page(make_state(), look=PageLook(subscribe=True))
    mail = PageLook(prefix="/p/mail", subscribe=True)
    assert '<a href="/p/mail/subscribe">' in render_page(make_state(), look=mail)
    # No SMTP server, or a static export: no link that would lead to a 404.
    assert "Subscribe to updates" not in render_page(make_state())
