"""What the incident forms offer: components in their groups, a template's values as form
values, and where an incident shows on the public page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hiccup.manage.models import ComponentOut, IncidentOut, PageOut, TemplateOut


@dataclass(frozen=True)
class ComponentGroup:
    name: str | None  # None: components in no group
    members: list[ComponentOut]


def grouped(found: Sequence[ComponentOut]) -> list[ComponentGroup]:
    """Leaf components under their group, in page order; components in no group together, at
    the place of the first of them. A group with no members is left out."""
    groups = {c.id: c for c in found if c.is_group}
    sections: dict[str | None, list[ComponentOut]] = {}
    for component in found:
        if component.is_group:
            key: str | None = component.id
        else:
            key = component.group_id if component.group_id in groups else None
        members = sections.setdefault(key, [])
        if not component.is_group:
            members.append(component)
    return [
        ComponentGroup(groups[key].name if key else None, members)
        for key, members in sections.items()
        if members
    ]


def template_values(template: TemplateOut) -> dict[str, Any]:
    """A template as the new-incident form's values (its fields are named as the form's)."""
    values: dict[str, Any] = {
        "name": template.title,
        "message": template.body,
        "impact": template.impact.value,
        "status": template.status,
        "template": template.id,
    }
    for chosen in template.components:
        values[f"component_{chosen.component_id}"] = chosen.status.value
    return values


def public_address(incident: IncidentOut, page: PageOut, default_slug: str) -> str | None:
    """The incident's address on its public page, or None where it is not public."""
    if incident.false_at is not None:
        return None
    prefix = "" if page.slug == default_slug else f"/p/{page.slug}"
    return f"{prefix}/incidents/{incident.id}"
