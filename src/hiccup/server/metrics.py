"""What /metrics exposes: read from the running parts' memory at scrape time, plus one store
query for the outbox, bounded so a dead database never hangs a scrape."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from hiccup.auth.metrics_access import MetricsAccess
from hiccup.auth.page_access import networks
from hiccup.config.metrics import MetricsConfig
from hiccup.server.metrics_sources import Sources
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.outbox_figures import OutboxFigure, outbox_figures

__all__ = ["OUTBOX_TIMEOUT_S", "Sources", "access_from", "scrape"]

log = logging.getLogger(__name__)

# Prometheus' own scrape timeout defaults to 10 s: answer well within it, without the outbox.
OUTBOX_TIMEOUT_S = 2.0


async def _outbox(engine: AsyncEngine) -> list[OutboxFigure] | None:
    try:
        async with asyncio.timeout(OUTBOX_TIMEOUT_S), engine.connect() as conn:
            return await outbox_figures(conn)
    except Exception as error:  # a timeout, or the database gone: the rest still answers
        log.warning("metrics: outbox figures unavailable (%s)", type(error).__name__)
        return None


async def scrape(sources: Sources) -> bytes:
    """The Prometheus text exposition of everything, for one scrape."""
    from hiccup.server.prometheus_text import exposition  # prometheus_client, on first scrape

    outbox = await _outbox(sources.engine)
    return exposition(sources, outbox, sources.clock.now())


def access_from(config: MetricsConfig, environ: Mapping[str, str]) -> MetricsAccess:
    token = environ.get(config.token_env) if config.token_env else None
    if config.token_env and not token:
        # Fail closed: without its token /metrics admits only the allowed networks.
        log.error(
            "metrics: environment variable %s is not set; no token opens /metrics", config.token_env
        )
    return MetricsAccess(token or None, networks(config.allow_networks))
