"""Every notifications setting and subscription route is documented (like test_docs.py)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from hiccup.config.channels import channel_kinds, options_model
from hiccup.config.notifications import (
    AlertRuleConfig,
    ChannelConfig,
    ChatSubscriptionConfig,
    DeliveryConfig,
    NotificationsConfig,
    SmtpConfig,
    SubscriptionsConfig,
)
from hiccup.notify.render import template_names
from tests.docs.test_docs import DOCS, documented_fields

MODELS = [
    NotificationsConfig,
    SmtpConfig,
    ChannelConfig,
    AlertRuleConfig,
    SubscriptionsConfig,
    ChatSubscriptionConfig,
    DeliveryConfig,
]


@pytest.mark.parametrize("model", MODELS)
def test_every_notifications_field_is_documented(model: type[BaseModel]) -> None:
    names = {field.alias or name for name, field in model.model_fields.items()}
    missing = names - documented_fields("configuration.md")
    assert not missing, f"undocumented in docs/configuration.md: {sorted(missing)}"


@pytest.mark.parametrize("kind", channel_kinds())
def test_every_channel_kind_and_its_fields_are_documented(kind: str) -> None:
    assert f"`{kind}`" in (DOCS / "configuration.md").read_text()
    missing = set(options_model(kind).model_fields) - documented_fields("configuration.md")
    assert not missing, f"undocumented in docs/configuration.md: {sorted(missing)}"


def test_every_subscription_route_is_documented() -> None:
    text = (DOCS / "api.md").read_text()
    for route in ("GET /subscribe", "POST /subscribe", "GET /subscribe/confirm",
                  "POST /subscribe/confirm", "GET /unsubscribe", "POST /unsubscribe"):  # fmt: skip
        assert f"`{route}" in text, route


def test_every_mail_template_is_documented() -> None:
    text = (DOCS / "notifications.md").read_text()
    for name in template_names():
        assert f"`{name}`" in text, name
