"""The server-rendered SVG charts: sparklines, response-time charts and phase bars."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from hiccup.core.public import LatencyPoint
from hiccup.snapshot.charts import latency_chart, ms_text, nice_ceiling, phase_bar, sparkline

LO = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ElementTree.Element:
    # Parsed as XML: a stray quote or unescaped label would break the whole page's markup.
    return ElementTree.fromstring(str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def hourly(values: list[float | None]) -> list[LatencyPoint]:
    return [
        LatencyPoint(LO + timedelta(hours=i), 1, v, None if v is None else v * 2, v and v * 3)
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1.0), (0.3, 0.5), (1, 1.0), (7, 10.0), (120, 200.0), (2400, 2500.0)]
)
def test_axis_tops_are_round_numbers_at_or_above_the_highest_value(
    value: float, top: float
) -> None:
    assert nice_ceiling(value) == pytest.approx(top)


def test_a_sparkline_scales_to_its_own_highest_value_and_leaves_gaps() -> None:
    svg = sparkline([10.0, 20.0, None, 40.0, 20.0], "a & b", width=40, height=20)
    path = parsed(svg).find(f"{SVG}path")
    assert path is not None
    d = path.get("d", "")
    assert d.count("M") == 2, d  # the missing hour splits the line
    assert "M0 " in d
    assert "L10 " in d
    ys = [float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", d)]
    assert min(ys) == pytest.approx(1.0)  # the highest value touches the top
    assert 'aria-label="a &amp; b"' in svg


def test_a_sparkline_without_values_is_an_empty_labelled_box() -> None:
    svg = sparkline([None, None], "nothing yet")
    assert parsed(svg).find(f"{SVG}path") is None
    assert "nothing yet" in svg


def test_the_latency_chart_draws_three_percentiles_within_the_plot() -> None:
    points = hourly([100.0, 120.0, 110.0, 400.0])
    svg = latency_chart(points, LO, LO + timedelta(hours=4), "<flexo>")
    root = parsed(svg)
    classes = [p.get("class") for p in root.iter(f"{SVG}path")]
    assert classes == ["p99", "p95", "p50"]  # p50 last, drawn on top
    assert "&lt;flexo&gt;" in svg
    assert "<flexo>" not in svg
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis"]
    assert "1.5 s" in axis  # p99 peaks at 1200 ms: the axis runs to 1.5 s
    assert "00:00" in axis
    assert "03:00" in axis


def test_a_gap_in_the_rollups_is_not_bridged() -> None:
    points = hourly([100.0, 100.0, 100.0, 100.0])
    points.insert(4, LatencyPoint(LO + timedelta(hours=20), 1, 90.0, 90.0, 90.0))
    svg = latency_chart(points, LO, LO + timedelta(hours=24), "gap")
    p50 = next(p for p in parsed(svg).iter(f"{SVG}path") if p.get("class") == "p50")
    assert p50.get("d", "").count("M") == 2


def test_raw_points_draw_one_line_and_days_label_the_axis() -> None:
    points = [LatencyPoint(LO + timedelta(days=i), 1, 50.0, 50.0, 50.0) for i in range(5)]
    svg = latency_chart(points, LO, LO + timedelta(days=5), "raw", raw=True)
    root = parsed(svg)
    assert [p.get("class") for p in root.iter(f"{SVG}path")] == ["p50"]
    assert "Dec 04" in svg


def test_an_empty_range_says_so() -> None:
    svg = latency_chart([], LO, LO + timedelta(hours=1), "none")
    assert "No measurements in this range" in svg


def test_phases_stack_in_order_and_the_rest_fills_up_to_the_total() -> None:
    phases = {"dns": 10.0, "connect": 20.0, "tls": 30.0, "first_byte": 40.0, "total": 150.0}
    root = parsed(phase_bar(phases, scale_ms=300.0, width=300))
    rects = [
        (r.get("class"), float(r.get("x", "")), float(r.get("width", "")))
        for r in root.iter(f"{SVG}rect")
    ]
    assert rects == [
        ("phase-dns", 0.0, 10.0),
        ("phase-connect", 10.0, 20.0),
        ("phase-tls", 30.0, 30.0),
        ("phase-first_byte", 60.0, 40.0),
        ("phase-rest", 100.0, 50.0),
    ]
    assert "total 150 ms" in (root.get("aria-label") or "")


def test_a_phase_bar_ignores_the_certificate_end_and_never_overflows() -> None:
    phases = {"connect": 5.0, "tls": 500.0, "total": 505.0, "cert_not_after": 1.9e9}
    rects = list(parsed(phase_bar(phases, scale_ms=100.0, width=100)).iter(f"{SVG}rect"))
    assert sum(float(r.get("width", "")) for r in rects) <= 100.0
    assert "cert" not in phase_bar(phases, 100.0)


def test_milliseconds_read_as_seconds_from_one_second() -> None:
    assert (ms_text(42.4), ms_text(1500.0)) == ("42 ms", "1.5 s")
