"""A rebuild gives a new ETag only to the responses whose content changed: a change on a
private page shows nothing new on the public one (no ETag, no live version), and the public
page's own changes still show."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hiccup.auth.page_access import Guard
from hiccup.core.public import PublicState
from hiccup.core.status import ComponentStatus
from hiccup.snapshot.assets import Snapshot
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import render_site
from hiccup.snapshot.unchanged import keep_unchanged
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state

SITE = Site(
    (
        SitePage("acme", keys=("web",), default=True),
        SitePage("ops", PageLook(prefix="/p/ops"), ("api",), name="Ops", guard=Guard("ops", "pw")),
    )
)
LATER = NOW + timedelta(minutes=1)


def with_status(state: PublicState, component_id: str, status: ComponentStatus) -> PublicState:
    components = tuple(
        replace(c, status=status) if c.id == component_id else c for c in state.components
    )
    return replace(state, components=components)


def render(state: PublicState, at: object = NOW) -> Snapshot:
    moment = NOW if at is NOW else LATER
    timed = replace(state, generated_at=moment)
    return render_site({p.slug: timed for p in SITE.pages}, SITE, moment)


def test_a_private_change_gives_the_public_page_no_new_etag_nor_version() -> None:
    before = render(site_state())
    quieter = with_status(site_state(), "api", ComponentStatus.OPERATIONAL)
    after = keep_unchanged(before, render(quieter, LATER))
    for path in ("/", "/history", "/api/v2/summary.json"):
        assert after.assets[path].etag == before.assets[path].etag, path
    assert after.version_of("acme") == before.version_of("acme")
    assert after.assets["/p/ops/"].etag != before.assets["/p/ops/"].etag
    assert after.version_of("ops") != before.version_of("ops")


def test_a_rebuild_with_nothing_new_keeps_every_etag() -> None:
    before = render(site_state())
    after = keep_unchanged(before, render(site_state(), LATER))
    assert {p: a.etag for p, a in after.assets.items()} == {
        p: a.etag for p, a in before.assets.items()
    }


def test_a_public_change_still_shows_with_its_new_time() -> None:
    before = render(site_state())
    flexo_down = with_status(site_state(), "flexo", ComponentStatus.MAJOR_OUTAGE)
    after = keep_unchanged(before, render(flexo_down, LATER))
    assert after.assets["/"].etag != before.assets["/"].etag
    assert after.version_of("acme") != before.version_of("acme")


def test_without_a_previous_snapshot_the_fresh_one_is_served() -> None:
    fresh = render(site_state())
    assert keep_unchanged(None, fresh) is fresh
