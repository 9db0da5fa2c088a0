"""Who hears of what: each page of the site is an audience that sees only its own components.

A notice is cut for a page the way the page itself is cut (hiccup.core.pages.narrow): the
components it names that the page shows, and nothing at all when it touches none of them. So
a subscriber of the public page is never told of a private page's component, and a private
page's subscriber gets its incidents under its own name and address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ComponentRef:
    id: str
    key: str
    group_id: str | None


def page_view_id(base_id: str, slug: str) -> str:
    """A stable public id for a page cut from the instance's page (its Statuspage JSON id)."""
    return hashlib.blake2b(f"{base_id}/{slug}".encode(), digest_size=6).hexdigest()


def ids_for_keys(components: Iterable[ComponentRef], keys: Iterable[str]) -> frozenset[str]:
    """Component ids for config keys; a group brings its members along."""
    listed = list(components)
    wanted = set(keys)
    chosen = {c.id for c in listed if c.key in wanted}
    chosen |= {c.id for c in listed if c.group_id in chosen}
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class Audience:
    slug: str
    public_id: str
    name: str
    url: str  # the page's own address; "": the instance's
    prefix: str  # "" at the site root, "/p/<slug>" for another page
    private: bool
    shown: frozenset[str] | None  # component ids; None: all of them
    default: bool = False  # the instance's own page (the site's root)

    def narrow(self, component_ids: Sequence[str]) -> tuple[str, ...] | None:
        """The ids this page may name, or None when the item is not on this page at all
        (as on the page: a cut page shows no item that touches none of its components)."""
        if self.shown is None:
            return tuple(component_ids)
        kept = tuple(c for c in component_ids if c in self.shown)
        return kept or None

    def offers(self, component_id: str) -> bool:
        return self.shown is None or component_id in self.shown
