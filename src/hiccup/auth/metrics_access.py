"""Who may scrape /metrics: clients from allowed networks, else those with the bearer token.

The client address is the ASGI scope's, which the trusted-proxies middleware has already set
to the real client behind a configured proxy (hiccup.web.forwarded).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from hiccup.auth.page_access import Admission, IpNetwork, parse_address


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@dataclass(frozen=True, slots=True)
class MetricsAccess:
    token: str | None = None  # None: no token opens it
    networks: tuple[IpNetwork, ...] = ()

    def admit(self, client: str | None, authorization: str | None) -> Admission:
        address = parse_address(client)
        if address is not None and any(address in net for net in self.networks):
            return Admission.ADMIT
        if self.token is None:
            return Admission.REFUSE
        given = _bearer(authorization)
        # Constant time: the comparison must not tell how much of a guess matched.
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            return Admission.ADMIT
        return Admission.ASK_PASSWORD
