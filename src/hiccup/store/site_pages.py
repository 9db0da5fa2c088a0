"""The pages of the public site as audiences: written from the config at start, read by the
subscription fan-out and the subscribe routes (hiccup.core.audience says what each sees)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from hiccup.core.audience import Audience, ComponentRef, ids_for_keys, page_view_id
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables import components, pages, site_pages


@dataclass(frozen=True, slots=True)
class SitePageSpec:
    """One page of the site as the config declares it."""

    slug: str
    prefix: str  # "" for the instance's own page
    private: bool = False
    keys: tuple[str, ...] | None = None  # None: every component
    name: str | None = None  # None: the instance's page name
    url: str | None = None  # None: the instance's page url

    @property
    def default(self) -> bool:
        return self.prefix == ""


async def sync_site_pages(
    conn: AsyncConnection, page_slug: str, specs: Sequence[SitePageSpec]
) -> None:
    """Replace the instance page's site pages with `specs` (idempotent; a few rows)."""
    page_id = (await conn.execute(select(pages.c.id).where(pages.c.slug == page_slug))).scalar_one()
    await conn.execute(delete(site_pages).where(site_pages.c.page_id == page_id))
    if not specs:
        return
    rows = [
        {
            "slug": spec.slug,
            "page_id": page_id,
            "public_id": page_id if spec.default else page_view_id(page_id, spec.slug),
            "name": spec.name or "",
            "url": spec.url or "",
            "prefix": spec.prefix,
            "private": spec.private,
            "component_keys": list(spec.keys) if spec.keys is not None else None,
        }
        for spec in specs
    ]
    await conn.execute(insert(site_pages), rows)


def _audience(page: Any, row: Any, refs: Sequence[ComponentRef]) -> Audience:
    keys = row["component_keys"]
    own_url = row["url"]
    return Audience(
        slug=row["slug"],
        public_id=row["public_id"],
        name=row["name"] or page["name"],
        url=own_url or page["url"],
        # A page with an address of its own lives at that address's root.
        prefix="" if own_url else row["prefix"],
        private=row["private"],
        shown=None if keys is None else ids_for_keys(refs, keys),
        default=row["public_id"] == page["id"],
    )


def whole_page(page: Any) -> Audience:
    """No site declared (no config): the instance's page is the only one, showing all."""
    return Audience(page["slug"], page["id"], page["name"], page["url"], "", False, None, True)


async def audiences(conn: AsyncConnection, page_id: str) -> list[Audience]:
    """Every page of the site cut from the instance's page `page_id`."""
    page = (await conn.execute(select(pages).where(pages.c.id == page_id))).mappings().one()
    rows = (
        (await conn.execute(select(site_pages).where(site_pages.c.page_id == page_id)))
        .mappings()
        .all()
    )
    if not rows:
        return [whole_page(page)]
    query = select(components.c.id, components.c.key, components.c.group_id).where(
        components.c.page_id == page_id
    )
    refs = [ComponentRef(r.id, r.key, r.group_id) for r in await conn.execute(query)]
    return [_audience(page, row, refs) for row in rows]


async def audience(conn: AsyncConnection, page_id: str, slug: str) -> Audience | None:
    found = [a for a in await audiences(conn, page_id) if a.slug == slug]
    return found[0] if found else None
