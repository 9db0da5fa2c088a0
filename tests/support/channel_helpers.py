"""A running Hiccup whose config has SMTP pointing at a loopback sink and one declared webhook
channel, with users of each role logged in over the API (tokens) or the admin (sessions)."""

from __future__ import annotations

from hiccup.config.model import HiccupConfig
from tests.support.admin_helpers import CONFIG, example_config
from tests.support.notify_helpers import smtp_config


def config_with_smtp(
    port: int, declared_hook: str = "http://127.0.0.1:9/declared", more_channels: str = ""
) -> HiccupConfig:
    text = (
        CONFIG
        + "notifications:\n"
        + smtp_config(port)
        + "  channels:\n"
        + f"    - {{key: from-file, kind: webhook, url: '{declared_hook}'}}\n"
        + more_channels
        + "  alerts:\n"
        + "    - {key: file-rule, channels: [from-file]}\n"
    )
    return example_config(text)
