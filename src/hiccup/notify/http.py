"""Every outbound HTTP request of the notifiers goes through `post` (healthchecks' curl.py idea):
one timeout for the whole exchange, a redirect limit, a capped response read, and, for URLs that
strangers typed in (subscriber webhooks), a guard against private and loopback addresses.

The requests themselves are made by `hiccup.notify.http_pool` (aiohttp), imported only when
used: the first notification sent, so a server whose alerts never fire never loads aiohttp.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hiccup.notify.errors import NotifyError

if TYPE_CHECKING:
    from hiccup.notify.http_pool import Pools


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    text: str


class HttpSender:
    """Holds the two connection pools (guarded and not) for the process's lifetime."""

    def __init__(self) -> None:
        self._pools: Pools | None = None

    def _made_pools(self) -> Pools:
        if self._pools is None:
            from hiccup.notify.http_pool import Pools

            self._pools = Pools()
        return self._pools

    async def close(self) -> None:
        if self._pools is not None:
            await self._pools.close()

    async def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        seconds: float,
        max_redirects: int = 3,
        private_ok: bool = True,
    ) -> Reply:
        """POST and return a 2xx reply; anything else raises NotifyError (4xx permanent)."""
        pools = self._made_pools()
        try:
            async with asyncio.timeout(seconds):
                status, text = await pools.follow(url, body, headers, max_redirects, private_ok)
        except TimeoutError:
            raise NotifyError(f"no answer within {seconds:g}s") from None
        return _judge(status, text)


def _judge(status: int, text: str) -> Reply:
    if 200 <= status < 300:
        return Reply(status, text)
    detail = f"HTTP {status}: {text.strip()[:200]}" if text.strip() else f"HTTP {status}"
    # 408 and 429 say "later", every other 4xx says "never": retrying cannot fix it.
    permanent = 400 <= status < 500 and status not in (408, 425, 429)
    raise NotifyError(detail, permanent=permanent)
