"""How often the public may ask this page to send confirmation mail.

The subscribe form mails any address typed into it, so without limits it would let anyone
flood a stranger's inbox from the operator's mail server and ruin its reputation. Three limits
hold that back; the first lives in the database (see `notify.subscribers`), these two here:

- per client: at most `per_client` sign-ups an hour from one network address (an IPv6 client
  counts by its /64, which one host can fill with addresses);
- per page: at most `per_page` sign-ups an hour from everyone together, against many clients.

Both count in memory per server: a restart forgets them, which costs at most one more hour's
allowance. The table of clients is bounded; the clients seen least recently are forgotten first.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict, deque
from dataclasses import dataclass

from hiccup.auth.page_access import IpAddress

WINDOW = 3600.0  # seconds
MAX_CLIENTS = 50_000


def client_key(address: IpAddress | None) -> str:
    """What one client is: its IPv4 address, or the /64 its IPv6 address lies in."""
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class _Window:
    """The times of the last `limit` events; full while the oldest is younger than WINDOW."""

    __slots__ = ("times",)

    def __init__(self, limit: int) -> None:
        self.times: deque[float] = deque(maxlen=limit)

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0: it fits now)."""
        if len(self.times) < (self.times.maxlen or 0):
            return 0.0
        return max(0.0, self.times[0] + WINDOW - now)


@dataclass(frozen=True, slots=True)
class Refusal:
    retry_after: int  # whole seconds, for the Retry-After header
    reason: str


class SignUpLimits:
    def __init__(self, per_client: int, per_page: int, max_clients: int = MAX_CLIENTS) -> None:
        self._per_client = per_client
        self._page = _Window(per_page)
        self._clients: OrderedDict[str, _Window] = OrderedDict()
        self._max_clients = max_clients

    def admit(self, client: str, now: float) -> Refusal | None:
        """Count one sign-up from `client` at `now` (monotonic seconds), or say why not."""
        window = self._clients.get(client)
        if window is not None and (wait := window.wait(now)) > 0:
            return Refusal(_seconds(wait), "Too many sign-ups from your network; try later.")
        if (wait := self._page.wait(now)) > 0:
            return Refusal(_seconds(wait), "This page takes no more sign-ups just now; try later.")
        if window is None:
            window = self._clients[client] = _Window(self._per_client)
            if len(self._clients) > self._max_clients:
                self._clients.popitem(last=False)
        self._clients.move_to_end(client)
        window.times.append(now)
        self._page.times.append(now)
        return None


def _seconds(wait: float) -> int:
    return max(1, int(wait + 0.999))
