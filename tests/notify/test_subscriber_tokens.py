"""Links in subscriber mail: forged, expired or mis-purposed tokens are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hiccup.notify.tokens import Signer, TokenError

NOW = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
SIGNER = Signer(b"a test key")


def test_a_signed_link_names_its_subscriber_and_nonce() -> None:
    token = SIGNER.sign("confirm", "abc123", "n0nce", int((NOW + timedelta(hours=1)).timestamp()))
    claims = SIGNER.verify(token, "confirm", NOW)
    assert (claims.subject, claims.nonce) == ("abc123", "n0nce")


def test_an_expired_link_is_refused() -> None:
    token = SIGNER.sign("confirm", "abc123", "n", int(NOW.timestamp()))
    with pytest.raises(TokenError, match="expired"):
        SIGNER.verify(token, "confirm", NOW + timedelta(seconds=1))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: Signer(b"another key").sign("confirm", "abc123", "n"),
        lambda t: "garbage",
        lambda t: t.replace(".", ""),
        lambda t: "",
    ],
)
def test_a_forged_link_is_refused(tamper: object) -> None:
    assert callable(tamper)
    token = SIGNER.sign("confirm", "abc123", "n")
    with pytest.raises(TokenError, match="not valid"):
        SIGNER.verify(tamper(token), "confirm", NOW)


def test_an_unsubscribe_link_cannot_confirm() -> None:
    token = SIGNER.sign("unsubscribe", "abc123")
    with pytest.raises(TokenError):
        SIGNER.verify(token, "confirm", NOW)
    assert SIGNER.verify(token, "unsubscribe", NOW + timedelta(days=3650)).subject == "abc123"
