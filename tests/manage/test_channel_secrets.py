"""What a reader sees of a channel: secret fields read "set", a webhook's signing secret only
as `secret_set`; on edit, a secret left empty keeps the stored one, and another kind's secret
is never carried over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hiccup.manage.channels import SET, ChannelInput, _values, view
from hiccup.manage.errors import Invalid
from hiccup.store.channel_rows import ChannelRow

APPRISE = "tgram://123456789:AAHsecretTOKEN/987654321"


def row(kind: str, values: dict[str, Any]) -> ChannelRow:
    return ChannelRow(
        "c1", "ops", kind, values["target"], values["options"], True, None, False,
        datetime(2026, 12, 5, tzinfo=UTC),
    )  # fmt: skip


def test_an_apprise_url_is_never_shown() -> None:
    values = _values(ChannelInput("ops", "apprise", {"url": APPRISE}), None)
    shown = view(row("apprise", values))
    assert shown.target == SET
    assert shown.settings == {"url": SET}
    assert APPRISE not in repr(shown)


def test_a_webhook_secret_is_kept_when_left_empty_and_only_shown_as_set() -> None:
    first = _values(ChannelInput("ops", "webhook", {"url": "https://h.example/"}, "k3y"), None)
    assert first["options"]["secret"] == "k3y"
    stored = row("webhook", first)
    again = _values(ChannelInput("ops", "webhook", {"url": "https://h2.example/"}, None), stored)
    assert again["options"]["secret"] == "k3y"
    assert again["target"] == "https://h2.example/"
    shown = view(row("webhook", again))
    assert shown.secret_set is True
    assert "k3y" not in repr(shown)


def test_an_apprise_url_left_empty_on_edit_is_kept() -> None:
    stored = row("apprise", _values(ChannelInput("ops", "apprise", {"url": APPRISE}), None))
    again = _values(ChannelInput("ops", "apprise", {"url": ""}), stored)
    assert again["target"] == APPRISE


def test_bad_fields_are_named() -> None:
    with pytest.raises(Invalid) as caught:
        _values(ChannelInput("ops", "email", {"to": ["not-mail"], "cc": "x"}), None)
    assert set(caught.value.fields) == {"to.0", "cc"}
    assert caught.value.fields["cc"] == "unknown field for a email channel"
    with pytest.raises(Invalid) as kind:
        _values(ChannelInput("ops", "pigeon", {}), None)
    assert "unknown channel kind 'pigeon'" in kind.value.fields["kind"]
    with pytest.raises(Invalid) as secret:
        _values(ChannelInput("ops", "email", {"to": "a@example.com"}, "s"), None)
    assert secret.value.fields == {"secret": "a email channel takes no signing secret"}
