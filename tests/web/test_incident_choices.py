"""Components in their groups for the incident forms."""

from __future__ import annotations

from hiccup.core.status import ComponentStatus
from hiccup.manage.models import ComponentOut
from hiccup.web.admin.incident_choices import grouped


def _component(cid: str, group: str | None = None, is_group: bool = False) -> ComponentOut:
    return ComponentOut(
        id=cid,
        page_id="p",
        key=cid,
        name=cid.upper(),
        description=None,
        group_id=group,
        is_group=is_group,
        position=0,
        status=ComponentStatus.OPERATIONAL,
        declared=True,
    )


def test_members_sit_under_their_group_and_the_rest_together() -> None:
    found = [
        _component("lone"),
        _component("web", is_group=True),
        _component("amy", "web"),
        _component("empty", is_group=True),
        _component("flexo", "web"),
        _component("leela"),
        _component("orphan", "gone"),
    ]
    sections = [(g.name, [c.id for c in g.members]) for g in grouped(found)]
    assert sections == [(None, ["lone", "leela", "orphan"]), ("WEB", ["amy", "flexo"])]
