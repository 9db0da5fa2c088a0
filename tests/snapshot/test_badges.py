"""SVG badges and shields.io endpoint JSON: right values and colours, text kept inert."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from hiccup.core.public import Figures
from hiccup.core.status import PageIndicator
from hiccup.snapshot.badges import (
    GREEN,
    GREY,
    INDICATOR_MESSAGES,
    RED,
    YELLOW,
    Badge,
    figure_badges,
    render_svg,
    uptime_message,
)

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_status_badge_reads_label_and_message() -> None:
    message, color = INDICATOR_MESSAGES[PageIndicator.CRITICAL]
    badge = Badge("status", message, color)
    assert set(texts(badge.svg())) == {"status", "major outage"}
    assert color == RED
    root = ElementTree.fromstring(badge.svg())
    assert root.get("aria-label") == "status: major outage"


def test_badge_text_is_escaped_xml() -> None:
    svg = render_svg('<script>alert(1)</script>"', "a & b", GREEN)
    assert b"<script" not in svg
    assert texts(svg)[0] == '<script>alert(1)</script>"'


def test_longer_text_makes_a_wider_badge() -> None:
    short = ElementTree.fromstring(render_svg("status", "ok", GREEN)).get("width")
    long = ElementTree.fromstring(render_svg("status", "partial outage", GREEN)).get("width")
    assert int(long or 0) > int(short or 0)


def test_shields_json_follows_the_endpoint_schema() -> None:
    doc = json.loads(Badge("uptime 30d", "99.90%", YELLOW).shields_json())
    assert doc == {
        "schemaVersion": 1,
        "label": "uptime 30d",
        "message": "99.90%",
        "color": "yellow",
    }


def test_uptime_never_rounds_up_to_a_perfect_100() -> None:
    assert uptime_message(0.99999) == "99.99%"
    assert uptime_message(1.0) == "100%"
    assert uptime_message(None) == "no data"


def test_figure_badges_cover_every_window_and_response_time() -> None:
    figures = Figures((("24h", 1.0), ("7d", 0.995), ("30d", 0.9), ("90d", None)), 84.6)
    badges = dict(figure_badges(figures))
    assert list(badges) == ["uptime-24h", "uptime-7d", "uptime-30d", "uptime-90d", "response-time"]
    assert (badges["uptime-24h"].message, badges["uptime-24h"].color) == ("100%", GREEN)
    assert badges["uptime-7d"].color == YELLOW
    assert badges["uptime-30d"].color == RED
    assert (badges["uptime-90d"].message, badges["uptime-90d"].color) == ("no data", GREY)
    assert badges["response-time"].message == "85 ms"
