"""The public site: the pages one instance publishes, each with its components, address, look
and (for a private page) its guard. Built once from the config at start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hiccup.auth.page_access import Guard, networks
from hiccup.config.pages import component_keys_of
from hiccup.core.audience import page_view_id
from hiccup.snapshot.look import DEFAULT_LOOK, PageLook
from hiccup.store.site_pages import SitePageSpec

if TYPE_CHECKING:
    from hiccup.config.model import ComponentConfig, HiccupConfig, PageConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SitePage:
    slug: str
    look: PageLook = DEFAULT_LOOK
    keys: tuple[str, ...] | None = None  # component keys shown; None: all of them
    # None: as stored for the instance's page (the default page is synced from `page:`).
    name: str | None = None
    url: str | None = None
    time_zone: str | None = None
    history_days: int | None = None
    hosts: tuple[str, ...] = ()
    guard: Guard | None = None
    default: bool = False

    @property
    def private(self) -> bool:
        return self.guard is not None

    def derived_id(self, base_id: str) -> str:
        """A stable page id for the Statuspage JSON of a page cut from the instance's page."""
        return base_id if self.default else page_view_id(base_id, self.slug)


@dataclass(frozen=True, slots=True)
class Site:
    pages: tuple[SitePage, ...] = (SitePage("default", default=True),)
    # Keys of the components whose response time the pages chart (`show_response_time`).
    response_time_keys: frozenset[str] = frozenset()

    def public(self) -> Site:
        """The pages anyone may read: what a static export may contain."""
        return replace(self, pages=tuple(p for p in self.pages if not p.private))

    def guards(self) -> dict[str, Guard]:
        return {p.slug: p.guard for p in self.pages if p.guard is not None}


def _guard(page: PageConfig, environ: Mapping[str, str]) -> Guard | None:
    if page.private is None:
        return None
    private = page.private
    password = environ.get(private.password_env) if private.password_env else None
    if private.password_env and not password:
        # Fail closed: without its secret the page admits only its allowed networks.
        log.error(
            "page %r: environment variable %s is not set; only allowed networks get in",
            page.slug,
            private.password_env,
        )
    return Guard(
        page.slug,
        password or None,
        networks(private.allow_networks),
        networks(private.trusted_proxies),
    )


def _look(
    page: PageConfig, prefix: str, subscribe: bool, main: PageConfig | None = None
) -> PageLook:
    """`main`: the instance's page, whose language another page keeps unless it sets its own."""
    own = page.model_fields_set
    speaks = page if main is None or "language" in own else main
    offers = page if main is None or "languages" in own else main
    return PageLook(
        prefix=prefix,
        logo_url=page.logo_url,
        accent_color=page.accent_color,
        custom_css=page.custom_css,
        footer_links=tuple((link.label, link.url) for link in page.footer_links),
        private=page.private is not None,
        subscribe=subscribe,
        headline=page.headline,
        language=speaks.language,
        languages=tuple(offers.languages),
    )


def site_from_config(config: HiccupConfig | None, environ: Mapping[str, str] | None = None) -> Site:
    if config is None:
        return Site()
    env = os.environ if environ is None else environ
    main = config.page
    subscriptions = config.notifications.subscriptions
    offered = config.notifications.smtp is not None and (
        subscriptions.email or subscriptions.webhook
    )
    keys = component_keys_of(main, config)
    pages = [
        SitePage(
            main.slug,
            _look(main, "", offered),
            tuple(keys) if keys is not None else None,
            hosts=tuple(main.hosts),
            guard=_guard(main, env),
            default=True,
        )
    ]
    for page in config.pages:
        keys = component_keys_of(page, config)
        own = page.model_fields_set
        pages.append(
            SitePage(
                page.slug,
                _look(page, f"/p/{page.slug}", offered, main),
                tuple(keys) if keys is not None else None,
                name=page.name,
                url=page.url,
                time_zone=page.time_zone if "time_zone" in own else main.time_zone,
                history_days=page.history_days if "history_days" in own else main.history_days,
                hosts=tuple(page.hosts),
                guard=_guard(page, env),
            )
        )
    return Site(tuple(pages), _response_time_keys(config.components))


def _response_time_keys(components: Sequence[ComponentConfig]) -> frozenset[str]:
    found: set[str] = set()
    for component in components:
        if component.show_response_time:
            found.add(component.slug)
        found |= _response_time_keys(component.components)
    return frozenset(found)


def without_live(site: Site) -> Site:
    """The same site for a static host: no /live to listen to, no form to subscribe with."""
    looks = ((p, replace(p.look, live=False, subscribe=False)) for p in site.pages)
    return replace(site, pages=tuple(replace(p, look=look) for p, look in looks))


def site_page_specs(site: Site) -> list[SitePageSpec]:
    """The site's pages as the database keeps them, for the subscription fan-out."""
    return [
        SitePageSpec(p.slug, p.look.prefix, p.private, p.keys, p.name, p.url) for p in site.pages
    ]
