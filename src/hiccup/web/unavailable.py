"""503 with Retry-After, not a bare 500, while the database is gone or full.

A request that needs the database fails fast then. Its answer says so in the shape its caller
reads (the API's JSON error, an admin page, plain text elsewhere), asks to come back later, and
is logged quietly: one line when requests start failing, then the shared summary.
Nothing was acknowledged, so nothing acknowledged is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from hiccup.core.logs import Repeats
from hiccup.store.outage import CANDIDATES, unavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
MESSAGE = "The database is unavailable, so this could not be done. Try again in a moment."
HEADERS = {"retry-after": str(RETRY_AFTER_SECONDS), "cache-control": "no-store"}

Answer = Callable[[Request], Response]

# One for every app of the process: requests failing on the admin, the API and the public
# forms are one failing part.
_failing = Repeats(
    log, "requests failed: the database is unavailable", level=logging.WARNING, lapses=True
)


def answer_unavailable(app: Starlette, answer: Answer) -> None:
    """Answer `app`'s requests that fail for want of the database with `answer`."""

    async def handler(request: Request, error: Exception) -> Response:
        if not unavailable(error):
            raise error  # a bug or a conflict: the usual 500 and its traceback
        _failing.failed(error)
        return answer(request)

    for kind in CANDIDATES:
        app.add_exception_handler(kind, handler)


def plain_unavailable(_request: Request) -> Response:
    return Response(MESSAGE + "\n", 503, {**HEADERS, "content-type": "text/plain; charset=utf-8"})
