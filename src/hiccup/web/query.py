"""Numbers read from query strings, bounded wherever they are parsed: an unbounded page number
reaches the database as an OFFSET (SQLite cannot hold 10**30 and answered 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_PAGE = 100_000
MAX_PER_PAGE = 200

Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="items per page")]


def page_number(text: str | None) -> int:
    """A page number typed in an address bar: anything but 1..MAX_PAGE is the first page.
    ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 6:
        return 1
    number = int(text)
    return number if 1 <= number <= MAX_PAGE else 1
