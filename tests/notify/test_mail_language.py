"""Subscriber mail speaks its page's language (or the one its form was read in); operator
alerts stay in English like the admin; a confirmation queued before languages still renders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hiccup.notify.notices import Notice, NoticeKind
from hiccup.notify.outbox import Claimed
from hiccup.notify.render import Composer
from hiccup.notify.tokens import Signer

NOW = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)
PAGE = {"id": "p1", "name": "Flexo", "url": "https://s.example", "time_zone": "UTC", "prefix": ""}


def composer(**languages: str) -> Composer:
    by_prefix = {("" if k == "main" else f"/p/{k}"): v for k, v in languages.items()}
    return Composer(Signer(b"k"), base_url="http://localhost", languages=by_prefix)


def row(kind: str, content: dict[str, Any], subscriber: dict[str, Any] | None = None) -> Claimed:
    return Claimed(1, "lease", f"{kind}:x", "email", 1, kind, content, "a@x.example", None,
                   subscriber)  # fmt: skip


def maintenance_notice() -> Claimed:
    notice = Notice(
        NoticeKind.MAINTENANCE_STARTED, "p1", "Kernel upgrade", "Started.",
        maintenance_id="m1", update_id="u1", status="in_progress",
        starts_at=NOW, ends_at=NOW.replace(hour=17),
    )  # fmt: skip
    content = {"notice": notice.to_json(), "page": PAGE, "components": [{"name": "amy"}]}
    return row(notice.kind.value, content, {"id": "s1", "page_id": "p1"})


def confirmation(**extra: Any) -> Claimed:
    content = {"page": PAGE, "confirm_url": "https://s.example/subscribe/confirm?token=t",
               "components": [], "webhook": None, "expires": NOW.isoformat(), **extra}  # fmt: skip
    return row("confirm", content)


def test_a_notice_speaks_its_pages_language() -> None:
    subject, text, html = composer(main="fr").render(maintenance_notice())
    assert subject == "[Flexo] Kernel upgrade (en cours)"
    assert "Créneau : 16:10–17:10 UTC" in text
    assert "Concerne : amy" in text
    assert "Vous recevez ce message car vous êtes abonné à Flexo." in text
    assert '<html lang="fr">' in html
    assert ">Se désabonner</a>" in html


def test_a_page_without_a_language_mails_in_english() -> None:
    subject, text, _html = composer(shop="de").render(maintenance_notice())
    assert subject == "[Flexo] Kernel upgrade (in progress)"
    assert "Window: 16:10–17:10 UTC" in text


def test_the_form_language_wins_over_the_pages() -> None:
    subject, text, _html = composer(main="de").render(confirmation(language="pt_BR"))
    assert subject == "[Flexo] Confirme sua inscrição"
    assert "O link funciona uma única vez e expira em 4 de nov. de 2026 16:10 UTC." in text


def test_a_confirmation_queued_before_languages_keeps_its_words() -> None:
    queued = confirmation(expires="22 Nov 2026, 16:10 UTC")
    _subject, text, _html = composer(main="es").render(queued)
    assert "El enlace funciona una sola vez y caduca el 22 Nov 2026, 16:10 UTC." in text


def test_operator_alerts_stay_in_english() -> None:
    content = {"headline": "flexo is down", "summary": "flexo stopped answering",
               "reason": "timeout", "since": NOW.isoformat(), "time_zone": "UTC",
               "page": PAGE}  # fmt: skip
    _subject, text, _html = composer(main="ja").render(row("alert", content))
    assert "Since: 4 Nov 2026, 16:10 UTC" in text
    assert "Reason: timeout" in text
