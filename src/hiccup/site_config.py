"""The parts of a page's config that shape the public site: branding, components, addresses,
private access. Kept apart from hiccup.config so the page's settings live with their checks.

Every value here ends up in a public response, so each is checked as it is read: a colour is
a colour, a link is http(s) or mailto, custom CSS cannot close its <style> element.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from hiccup.config import HiccupConfig, PageConfig

Location = tuple[int | str, ...]
Problem = tuple[Location, str]


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) address")
    return value


def _link_url(value: str) -> str:
    if value.startswith("mailto:") and len(value) > len("mailto:"):
        return value
    return _web_url(value)


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(f"{value!r} is not an address or network (e.g. 10.0.0.0/8)") from None


def _inert_css(value: str) -> str:
    # Inlined into <style>: "</style" would end the element and let HTML follow.
    if "<" in value:
        raise ValueError("custom CSS must not contain '<'")
    return value


def _host(value: str) -> str:
    host = value.strip().lower()
    if not host or "/" in host or " " in host:
        raise ValueError(f"{value!r} is not a host name (e.g. status.example.com)")
    return host


WebUrl = Annotated[str, AfterValidator(_web_url)]
LinkUrl = Annotated[str, AfterValidator(_link_url)]
Network = Annotated[str, AfterValidator(_network)]
Css = Annotated[str, Field(max_length=100_000), AfterValidator(_inert_css)]
Host = Annotated[str, AfterValidator(_host)]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
AccentColor = Annotated[str, Field(pattern=r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FooterLink(_Strict):
    label: str = Field(min_length=1, max_length=100)
    url: LinkUrl


class PrivateConfig(_Strict):
    """Who may read a private page: anyone from `allow_networks`, else anyone with the password
    (HTTP Basic, any user name) held in the environment variable `password_env`."""

    password_env: EnvName | None = None
    allow_networks: list[Network] = []
    trusted_proxies: list[Network] = []

    @model_validator(mode="after")
    def _some_way_in(self) -> PrivateConfig:
        if self.password_env is None and not self.allow_networks:
            raise ValueError("a private page needs `password_env`, `allow_networks` or both")
        return self


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


def page_problems(config: HiccupConfig) -> list[Problem]:
    """Cross-references the field validators cannot see: component keys, unique slugs/hosts."""
    known = [c.slug for c, _ in config.all_components()]
    problems = _slug_problems(config)
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
