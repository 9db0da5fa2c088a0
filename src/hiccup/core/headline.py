"""The page's human headline: in proportion to what is affected.

Statuspage says "Major System Outage" when any one component is down. For a host with twelve
servers, one of them down is not the whole company down: the line names the component ("flexo
is down") or counts them ("2 of 12 components affected"), as Instatus and others do. The
machine-readable indicator stays as Statuspage computes it; only the words change.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from hiccup.core.language import N_, _, ngettext
from hiccup.core.status import (
    ComponentStatus,
    PageIndicator,
    Severity,
    indicator_description,
    severity,
)


class HeadlineStyle(StrEnum):
    PROPORTIONAL = "proportional"  # name the component or count them
    STATUSPAGE = "statuspage"  # Statuspage's words for the worst indicator


_ONE = {
    ComponentStatus.MAJOR_OUTAGE: N_("%(name)s is down"),
    ComponentStatus.PARTIAL_OUTAGE: N_("%(name)s is partly down"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("%(name)s is slow"),
    ComponentStatus.UNDER_MAINTENANCE: N_("%(name)s is under maintenance"),
}


def _in_trouble(status: ComponentStatus) -> bool:
    return severity(status) >= Severity.DEGRADED_PERFORMANCE


def page_headline(
    leaves: Sequence[tuple[str, ComponentStatus]], indicator: PageIndicator, style: HeadlineStyle
) -> str:
    """`leaves`: (name, status) of the components a reader sees on their own (not groups).

    Falls back to Statuspage's words when the components cannot tell (an incident with no
    component, nothing to count) or when everything is affected anyway. In the language being
    rendered (`core.language.current`).
    """
    fallback = _(indicator_description(indicator))
    if style is HeadlineStyle.STATUSPAGE:
        return fallback
    troubled = [(n, s) for n, s in leaves if _in_trouble(s)]
    held = [(n, s) for n, s in leaves if s is ComponentStatus.UNDER_MAINTENANCE]
    affected = troubled or held
    if not affected or len(affected) == len(leaves) > 1:
        return fallback
    if len(affected) == 1:
        name, status = affected[0]
        return _(_ONE[status]) % {"name": name}
    counts = {"num": len(affected), "total": len(leaves)}
    if troubled:
        return (
            ngettext(
                "%(num)d of %(total)d component affected",
                "%(num)d of %(total)d components affected",
                len(leaves),
            )
            % counts
        )
    return (
        ngettext(
            "%(num)d of %(total)d component under maintenance",
            "%(num)d of %(total)d components under maintenance",
            len(leaves),
        )
        % counts
    )
