"""The feeds and calendar are rendered on their first request, once per snapshot: at every page's
prefix and host, with the page's privacy and CORS, and with the ETag a rebuild of the same data
gives again (readers polling with If-None-Match keep getting 304s)."""

from __future__ import annotations

from dataclasses import replace

from hiccup.auth.page_access import Guard
from hiccup.snapshot.builder import render_snapshot
from hiccup.snapshot.disk import mark_stale
from hiccup.snapshot.feeds import render_atom
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import FEEDS, render_site
from hiccup.snapshot.unchanged import keep_unchanged
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state

CORS = ("access-control-allow-origin", "*")


def test_a_feed_is_rendered_on_first_request_and_kept_for_the_snapshot() -> None:
    state = site_state()
    snapshot = render_snapshot(state)
    assert not set(FEEDS) & set(snapshot.assets)  # nothing rendered ahead
    atom = snapshot.find(None, "/history.atom")
    assert atom is not None
    assert atom.body == render_atom(state, PageLook())
    assert atom.content_type.startswith("application/atom+xml")
    assert CORS in atom.headers
    assert snapshot.find(None, "/history.atom") is atom  # once per snapshot
    assert snapshot.find("any.example", "/history.atom") is atom
    assert snapshot.find(None, "/history.atom/more") is None


def test_the_same_data_gives_the_same_feed_etag_in_the_next_snapshot() -> None:
    first = render_snapshot(site_state())
    again = keep_unchanged(first, render_snapshot(replace(site_state(), generated_at=NOW)))
    for path in FEEDS:
        old, new = first.find(None, path), again.find(None, path)
        assert old is not None
        assert new is not None
        assert new is not old
        assert new.etag == old.etag
    stale = mark_stale(again, NOW)
    assert stale.find(None, "/maintenance.ics") is not None  # the state read is still there


def test_a_private_page_s_feeds_are_private_and_at_its_prefix_and_hosts() -> None:
    state = site_state()
    guard = Guard("ops", "pw")
    site = Site(
        (
            SitePage(state.page.slug, keys=("web",), default=True),
            SitePage(
                "ops", PageLook(prefix="/p/ops"), ("api",), hosts=("ops.example",), guard=guard
            ),
        )
    )
    snapshot = render_site({state.page.slug: state, "ops": state}, site, NOW)
    public = snapshot.find(None, "/history.rss")
    private = snapshot.find(None, "/p/ops/history.rss")
    on_host = snapshot.find("ops.example", "/history.rss")
    assert public is not None
    assert private is not None
    assert on_host is not None
    assert not public.private
    assert public.page == state.page.slug
    assert private.private
    assert private.page == "ops"
    assert CORS not in private.headers
    assert on_host.private
    assert on_host.body != public.body
    assert b"/p/ops" in private.body
    assert b"/p/ops" not in on_host.body
    assert set(snapshot.rendered()) >= {"/history.rss", "/p/ops/history.rss"}
