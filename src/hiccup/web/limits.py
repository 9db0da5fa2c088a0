"""What one client may hold of the server: the limits `hiccup serve` gives granian or uvicorn.

Out of the box both servers could be stopped by a handful of clients: granian's embedded
server accepted only 128 connections at once (a permit per connection, held until it closed)
and waited 30 s for a request header, so 140 connections that never finished a header stopped
every answer, and a 400-connection keep-alive flood kept new visitors out; uvicorn never timed
out a header at all. bench/pressure.py measures what these limits change.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Sockets and files the rest of the process needs besides the readers' connections: the
# database, the checks' outbound connections, the snapshot on disk.
RESERVED_FILES = 1024


@dataclass(frozen=True)
class ServeLimits:
    """header_timeout: seconds a client has to send a whole request header, counted from the
    connection's start or the end of its previous response, so it also closes idle keep-alive
    connections; trickling bytes does not extend it. max_connections: connections held at
    once; past it granian leaves new ones waiting in the listen backlog and uvicorn answers
    503. backlog: connections the kernel queues before the server accepts them."""

    header_timeout: float = 10.0
    max_connections: int = 16384
    backlog: int = 4096

    def __post_init__(self) -> None:
        if not 0.5 <= self.header_timeout <= 300:
            raise ValueError("the header timeout must be between 0.5 and 300 seconds")
        if self.max_connections < 1:
            raise ValueError("max connections must be at least 1")


def fit_to_file_limit(limits: ServeLimits) -> ServeLimits:
    """Raise this process's open-file limit to what the connection cap needs (up to the hard
    limit, as nginx's worker_rlimit_nofile does); lower the cap if the hard limit is too low,
    so the cap, not running out of files, is what a flood meets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = limits.max_connections + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        soft = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return limits
    fitted = max(64, soft - RESERVED_FILES)
    log.warning(
        "the open-file limit is %d (ulimit -Hn): at most %d connections instead of %d",
        soft,
        fitted,
        limits.max_connections,
    )
    return ServeLimits(limits.header_timeout, fitted, min(limits.backlog, fitted))
