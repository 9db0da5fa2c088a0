"""Status, uptime and response-time badges: flat SVG in the shields.io look, and the same values
in shields.io's endpoint JSON (https://shields.io/badges/endpoint-badge) for those who style
their badges there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

from hiccup.core.public import UPTIME_WINDOWS, Figures
from hiccup.core.status import ComponentStatus, PageIndicator

GREEN, YELLOW, ORANGE, RED, BLUE, GREY = (
    "#4c1",
    "#dfb317",
    "#fe7d37",
    "#e05d44",
    "#007ec6",
    "#9f9f9f",
)

_SHIELDS_COLOURS = {
    GREEN: "brightgreen",
    YELLOW: "yellow",
    ORANGE: "orange",
    RED: "red",
    BLUE: "blue",
    GREY: "lightgrey",
}

INDICATOR_MESSAGES = {
    PageIndicator.NONE: ("operational", GREEN),
    PageIndicator.MINOR: ("degraded", YELLOW),
    PageIndicator.MAJOR: ("partial outage", ORANGE),
    PageIndicator.CRITICAL: ("major outage", RED),
    PageIndicator.MAINTENANCE: ("maintenance", BLUE),
}

STATUS_MESSAGES = {
    ComponentStatus.OPERATIONAL: ("operational", GREEN),
    ComponentStatus.DEGRADED_PERFORMANCE: ("degraded", YELLOW),
    ComponentStatus.PARTIAL_OUTAGE: ("partial outage", ORANGE),
    ComponentStatus.MAJOR_OUTAGE: ("major outage", RED),
    ComponentStatus.UNDER_MAINTENANCE: ("maintenance", BLUE),
}


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    message: str
    color: str

    def svg(self) -> bytes:
        return render_svg(self.label, self.message, self.color)

    def shields_json(self) -> bytes:
        doc = {
            "schemaVersion": 1,
            "label": self.label,
            "message": self.message,
            "color": _SHIELDS_COLOURS.get(self.color, self.color.lstrip("#")),
        }
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _text_width(text: str) -> int:
    # Verdana 11px averages ~6.5px a character; wide letters get a little more room.
    return round(sum(8.5 if c in "mwMW@%" else 4 if c in "il.:,; |!'" else 6.6 for c in text))


def render_svg(label: str, message: str, color: str) -> bytes:
    """A flat two-part badge with a title for screen readers; the text is escaped XML."""
    left, right = _text_width(label) + 12, _text_width(message) + 12
    width = left + right
    lab, msg = escape(label), escape(message)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{escape(label + ": " + message, {chr(34): "&quot;"})}">'
        f"<title>{lab}: {msg}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        f'font-size="11"><text x="{left / 2}" y="15" fill="#010101" fill-opacity=".3">{lab}</text>'
        f'<text x="{left / 2}" y="14">{lab}</text>'
        f'<text x="{left + right / 2}" y="15" fill="#010101" fill-opacity=".3">{msg}</text>'
        f'<text x="{left + right / 2}" y="14">{msg}</text></g></svg>'
    )
    return svg.encode()


def uptime_color(ratio: float | None) -> str:
    if ratio is None:
        return GREY
    if ratio >= 0.999:
        return GREEN
    if ratio >= 0.99:
        return YELLOW
    return ORANGE if ratio >= 0.95 else RED


def uptime_message(ratio: float | None) -> str:
    if ratio is None:
        return "no data"
    hundredths = int(round(ratio * 10_000, 6))  # truncated: any downtime never reads 100%
    return "100%" if hundredths >= 10_000 else f"{hundredths / 100:.2f}%"


def response_badge(figures: Figures, label: str = "response time") -> Badge:
    if figures.response_ms is None:
        return Badge(label, "no data", GREY)
    ms = figures.response_ms
    color = GREEN if ms < 300 else YELLOW if ms < 1000 else ORANGE if ms < 3000 else RED
    return Badge(label, f"{ms:.0f} ms", color)


def figure_badges(figures: Figures, prefix: str = "") -> Iterator[tuple[str, Badge]]:
    """('uptime-24h', badge), …, ('response-time', badge) for a page or a component."""
    for window in UPTIME_WINDOWS:
        ratio = figures.uptime_over(window)
        badge = Badge(f"{prefix}uptime {window}", uptime_message(ratio), uptime_color(ratio))
        yield f"uptime-{window}", badge
    yield "response-time", response_badge(figures, f"{prefix}response time")
