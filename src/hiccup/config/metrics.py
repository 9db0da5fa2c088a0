"""The `metrics` section: who may scrape /metrics. Closed to everyone until configured."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hiccup.config.site import EnvName, Network


class MetricsConfig(BaseModel):
    """Scrapers get in from `allow_networks`, or with the bearer token held in the environment
    variable `token_env`. With neither, /metrics answers 403 to everyone: it names monitors
    and targets' health, which is not for the public."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_env: EnvName | None = None
    allow_networks: list[Network] = []
