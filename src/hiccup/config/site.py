"""The parts of a page's config that shape the public site: branding, components, addresses,
private access. Kept apart from hiccup.config.model so the page's settings live with their checks.

Every value here ends up in a public response, so each is checked as it is read: a colour is
a colour, a link is http(s) or mailto, custom CSS cannot close its <style> element.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

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
