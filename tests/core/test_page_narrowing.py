"""Several pages from one instance: each publishes only its components and what touches them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hiccup.core.pages import narrow, page_figures, rolling_uptime, select_ids
from hiccup.core.public import Figures
from hiccup.core.status import ComponentStatus, PageIndicator
from hiccup.core.uptime import Interval
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state


def test_a_group_key_brings_its_members() -> None:
    assert select_ids(site_state(), ["web"]) == {"web", "amy", "flexo"}
    assert select_ids(site_state(), ["api", "nope"]) == {"api"}


def test_a_page_keeps_only_its_components_and_recomputes_its_status() -> None:
    page = narrow(site_state(), frozenset({"amy"}))
    assert [c.id for c in page.components] == ["amy"]
    assert page.components[0].group_id is None  # shown without its group: at the top level
    # The API's critical incident is not on this page, so neither is its colour.
    assert page.open_incidents == ()
    assert page.indicator is PageIndicator.NONE
    assert page.description == "All Systems Operational"


def test_incidents_and_maintenance_follow_their_components() -> None:
    page = narrow(site_state(), frozenset({"flexo", "web"}))
    assert [i.id for i in page.recent_incidents] == ["inc0"]
    assert [m.id for m in page.maintenances] == ["mw-done"]
    api_page = narrow(site_state(), frozenset({"api"}))
    assert [i.id for i in api_page.open_incidents] == ["inc1"]
    assert api_page.indicator is PageIndicator.CRITICAL


def test_names_of_components_on_other_pages_do_not_leak_through_updates() -> None:
    state = site_state()
    incident = state.open_incidents[0]
    both = replace(incident, component_ids=("api", "amy"))
    page = narrow(replace(state, open_incidents=(both,)), frozenset({"amy"}))
    [shown] = page.open_incidents
    assert shown.component_ids == ("amy",)
    affected = [a.name for u in shown.updates for a in u.affected]
    assert "API" not in affected


def test_group_lists_only_members_on_the_page() -> None:
    page = narrow(site_state(), frozenset({"web", "amy"}))
    group = next(c for c in page.components if c.id == "web")
    assert group.member_ids == ("amy",)


def test_rolling_uptime_over_each_window() -> None:
    since = NOW - timedelta(days=100)
    down = [Interval(NOW - timedelta(days=2), NOW - timedelta(days=2) + timedelta(hours=12))]
    windows = dict(rolling_uptime(down, since, NOW))
    assert windows["24h"] == 1.0
    expected = {"7d": 1 - 0.5 / 7, "30d": 1 - 0.5 / 30, "90d": 1 - 0.5 / 90}
    assert {w: round(windows[w] or 0.0, 12) for w in expected} == {
        w: round(v, 12) for w, v in expected.items()
    }
    assert dict(rolling_uptime(down, None, NOW)) == dict.fromkeys(windows)


def test_page_figures_average_the_components_not_the_groups() -> None:
    state = site_state()
    comps = tuple(
        replace(c, figures=Figures((("24h", 0.5 if c.is_group else 1.0),), 100.0))
        for c in state.components
    )
    figures = page_figures(comps)
    assert figures.uptime_over("24h") == 1.0
    assert figures.response_ms == 100.0
    assert page_figures(()).uptime_over("24h") is None


def test_a_troubled_component_on_the_page_sets_the_page_indicator() -> None:
    state = site_state()
    comps = tuple(
        replace(c, status=ComponentStatus.UNDER_MAINTENANCE) if c.id == "amy" else c
        for c in state.components
    )
    page = narrow(replace(state, components=comps), frozenset({"amy"}))
    assert page.indicator is PageIndicator.MAINTENANCE
