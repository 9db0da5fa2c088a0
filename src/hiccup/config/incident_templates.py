"""`incident_templates:` in hiccup.yaml: ready-made incidents an operator opens in a few
keystrokes (title, first message, impact, first status, components and their statuses).

Declared templates are read-only in the admin, as declared monitors are."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hiccup.core.status import ComponentStatus, IncidentImpact


class IncidentTemplateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20000)
    impact: IncidentImpact = IncidentImpact.MINOR
    status: Literal["investigating", "identified", "monitoring"] = "investigating"
    # Component key -> the status it shows while the incident is open.
    components: dict[str, ComponentStatus] = {}


def template_problems(
    templates: Iterable[IncidentTemplateConfig], component_keys: Iterable[str]
) -> list[tuple[tuple[Any, ...], str]]:
    """(location, message) for unknown component keys and names used twice."""
    known = list(component_keys)
    problems: list[tuple[tuple[Any, ...], str]] = []
    seen: set[str] = set()
    for index, template in enumerate(templates):
        if template.name in seen:
            message = f"two incident templates are called {template.name!r}"
            problems.append((("incident_templates", index, "name"), message))
        seen.add(template.name)
        for key in template.components:
            if key not in known:
                message = f"no component with key {key!r} (known: {', '.join(known) or 'none'})"
                problems.append((("incident_templates", index, "components", key), message))
    return problems
