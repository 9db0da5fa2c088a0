"""Who a confirmation mail goes to: what the admin hands the notifications to mail one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfirmationTarget:
    page_id: str
    site_page: str  # the page of the site they subscribed on (site_pages.slug)
    subscriber_id: str
    email: str
    component_ids: tuple[str, ...]  # empty: the whole page
    webhook: str | None
    nonce: str  # the one stored on the subscriber: the link confirms this nonce only
