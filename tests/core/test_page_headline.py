"""The banner's words in proportion to what is affected; Statuspage's words on request."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.headline import HeadlineStyle, page_headline
from hiccup.core.status import (
    ComponentStatus,
    IncidentImpact,
    indicator_description,
    page_indicator,
)

OK, DOWN = ComponentStatus.OPERATIONAL, ComponentStatus.MAJOR_OUTAGE
SERVERS = ["amy", "flexo", "leela", "mom", "elzar", "zapp", "bender", "fry", "kif", "hermes"]


def _line(leaves: list[tuple[str, ComponentStatus]], style: HeadlineStyle) -> str:
    return page_headline(leaves, page_indicator([s for _, s in leaves]), style)


def _servers(**statuses: ComponentStatus) -> list[tuple[str, ComponentStatus]]:
    return [(name, statuses.get(name, OK)) for name in SERVERS]


def test_one_server_of_ten_down_names_it() -> None:
    assert _line(_servers(flexo=DOWN), HeadlineStyle.PROPORTIONAL) == "flexo is down"


def test_each_status_of_one_component_has_its_words() -> None:
    words = {
        ComponentStatus.PARTIAL_OUTAGE: "flexo is partly down",
        ComponentStatus.DEGRADED_PERFORMANCE: "flexo is slow",
        ComponentStatus.UNDER_MAINTENANCE: "flexo is under maintenance",
    }
    for status, expected in words.items():
        assert _line(_servers(flexo=status), HeadlineStyle.PROPORTIONAL) == expected


def test_several_affected_are_counted() -> None:
    leaves = _servers(flexo=DOWN, amy=ComponentStatus.DEGRADED_PERFORMANCE)
    assert _line(leaves, HeadlineStyle.PROPORTIONAL) == "2 of 10 components affected"


def test_trouble_is_told_before_maintenance() -> None:
    leaves = _servers(flexo=DOWN, amy=ComponentStatus.UNDER_MAINTENANCE)
    assert _line(leaves, HeadlineStyle.PROPORTIONAL) == "flexo is down"


def test_everything_down_says_it_as_statuspage_does() -> None:
    leaves = [(name, DOWN) for name in SERVERS]
    assert _line(leaves, HeadlineStyle.PROPORTIONAL) == "Major System Outage"


def test_statuspage_style_says_major_outage_for_one_server() -> None:
    assert _line(_servers(flexo=DOWN), HeadlineStyle.STATUSPAGE) == "Major System Outage"


def test_an_incident_on_no_component_falls_back_to_the_indicator() -> None:
    indicator = page_indicator([OK, OK], [IncidentImpact.MAJOR])
    line = page_headline([("a", OK), ("b", OK)], indicator, HeadlineStyle.PROPORTIONAL)
    assert line == "Partial System Outage"


@given(st.lists(st.sampled_from(list(ComponentStatus)), min_size=1, max_size=12))
def test_all_operational_and_statuspage_words_agree(statuses: list[ComponentStatus]) -> None:
    leaves = [(f"c{i}", s) for i, s in enumerate(statuses)]
    indicator = page_indicator(statuses)
    line = page_headline(leaves, indicator, HeadlineStyle.PROPORTIONAL)
    assert page_headline(leaves, indicator, HeadlineStyle.STATUSPAGE) == (
        indicator_description(indicator)
    )
    if all(s is OK for s in statuses):
        assert line == "All Systems Operational"
    else:
        assert line != "All Systems Operational"
