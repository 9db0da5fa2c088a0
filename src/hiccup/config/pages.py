"""Checks of the site's pages across the whole config: known component keys, one slug and
host per page, CSS files read in; and which components each page shows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hiccup.config.model import HiccupConfig, PageConfig
from hiccup.config.site import Location, Problem, _inert_css


def _page_locations(config: HiccupConfig) -> list[tuple[Location, PageConfig]]:
    return [(("page",), config.page)] + [(("pages", i), p) for i, p in enumerate(config.pages)]


def _slug_problems(config: HiccupConfig) -> list[Problem]:
    problems: list[Problem] = []
    seen = {config.page.slug}
    for index, page in enumerate(config.pages):
        if page.slug in seen:
            message = f"two pages share the slug {page.slug!r}; give each page its own `slug`"
            problems.append((("pages", index, "slug"), message))
        seen.add(page.slug)
    hosts: set[str] = set()
    for where, page in _page_locations(config):
        for position, host in enumerate(page.hosts):
            if host in hosts:
                problems.append(((*where, "hosts", position), f"{host!r} is on two pages"))
            hosts.add(host)
    return problems


# Incidents belong to the instance, and every page shows the same ones: set them on `page:`.
_INSTANCE_ONLY = ("incidents", "publish_after")


def _instance_only_problems(config: HiccupConfig) -> list[Problem]:
    return [
        (("pages", index, name), f"`{name}` applies to every page: set it on `page:`")
        for index, page in enumerate(config.pages)
        for name in _INSTANCE_ONLY
        if name in page.model_fields_set
    ]


def page_problems(config: HiccupConfig) -> list[Problem]:
    """Cross-references the field validators cannot see: component keys, unique slugs/hosts."""
    known = [c.slug for c, _ in config.all_components()]
    problems = _slug_problems(config) + _instance_only_problems(config)
    for where, page in _page_locations(config):
        for position, key in enumerate(page.components or ()):
            if key not in known:
                message = f"no component with key {key!r} (known: {', '.join(known) or 'none'})"
                problems.append(((*where, "components", position), message))
    return problems


def read_css_files(config: HiccupConfig, base: Path) -> tuple[HiccupConfig, list[Problem]]:
    """Inline each page's `custom_css_file` (relative to the config file) into `custom_css`."""
    problems: list[Problem] = []
    changed: dict[str, Any] = {}
    for where, page in _page_locations(config):
        if page.custom_css_file is None:
            continue
        try:
            text = (base / page.custom_css_file).read_text(encoding="utf-8")
            css = _inert_css(page.custom_css + "\n" + text)
        except (OSError, ValueError) as error:
            message = getattr(error, "strerror", None) or str(error)
            problems.append(((*where, "custom_css_file"), f"cannot use: {message}"))
            continue
        updated = page.model_copy(update={"custom_css": css, "custom_css_file": None})
        if where == ("page",):
            changed["page"] = updated
        else:
            pages = changed.setdefault("pages", list(config.pages))
            pages[int(where[1])] = updated
    return (config.model_copy(update=changed) if changed else config), problems


def component_keys_of(page: PageConfig, config: HiccupConfig) -> Sequence[str] | None:
    """The component keys a page shows; None: every component (the default page, when no
    page lists components privately and it names none itself)."""
    if page.components is not None:
        return page.components
    if page is not config.page:
        return None
    private = {k for p in config.pages if p.private for k in p.components or ()}
    if not private:
        return None
    shown = {k for p in config.pages if not p.private for k in p.components or ()}
    return [c.slug for c, _ in config.all_components() if c.slug not in private - shown]
