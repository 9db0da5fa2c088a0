"""Mail is multipart (plain text + HTML) from templates the operator can override, with the
unsubscribe headers mail clients turn into a button, and a stable Message-ID."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from hiccup.notify.notices import Notice, NoticeKind
from hiccup.notify.outbox import Claimed
from hiccup.notify.render import Composer, template_names
from hiccup.notify.tokens import Signer

NOW = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)
SENDER = "Flexo Status <status@flexo.example>"


def notice_row(title: str = "flexo is unavailable", key: str = "notice:x/sub1") -> Claimed:
    notice = Notice(
        NoticeKind.INCIDENT_RESOLVED, "page1", title, "Fixed at **16:34**.",
        incident_id="inc1", update_id="u9", status="resolved",
    )  # fmt: skip
    content: dict[str, Any] = {
        "notice": notice.to_json(),
        "page": {"id": "page1", "name": "Flexo Hosting", "url": "https://status.flexo.example",
                 "time_zone": "UTC", "indicator": "none", "description": "All good"},
        "components": [{"id": "c1", "name": "flexo", "status": "operational",
                        "group_id": None, "created_at": NOW.isoformat()}],
    }  # fmt: skip
    subscriber = {"id": "sub1", "kind": "email", "address": "ann@example.com",
                  "owner_email": "ann@example.com", "page_id": "page1"}  # fmt: skip
    return Claimed(1, "lease", key, "email", 1, notice.kind.value, content,
                   "ann@example.com", None, subscriber)  # fmt: skip


def mail(composer: Composer, row: Claimed) -> EmailMessage:
    """What a receiving mail client reads: the bytes parsed by the standard library."""
    built = composer.mail(row, SENDER, NOW)
    assert built.sender == "status@flexo.example"
    parsed = email.message_from_bytes(built.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert not parsed.defects
    return parsed


def test_a_notice_is_multipart_with_one_click_unsubscribe_headers() -> None:
    composer = Composer(Signer(b"k"), base_url="http://localhost:8000")
    message = mail(composer, notice_row())
    assert message["Subject"] == "[Flexo Hosting] flexo is unavailable (resolved)"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "Fixed at **16:34**." in plain.get_content()
    assert "<strong>16:34</strong>" in html.get_content()
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://status.flexo.example/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in plain.get_content()


def test_the_message_id_is_the_same_on_every_retry() -> None:
    composer = Composer(Signer(b"k"), base_url="http://localhost:8000")
    first = mail(composer, notice_row())["Message-ID"]
    again = mail(composer, notice_row())["Message-ID"]
    other = mail(composer, notice_row(key="notice:y/sub1"))["Message-ID"]
    assert first == again != other
    assert first.endswith("@flexo.example>")


def test_a_title_with_a_line_break_cannot_add_headers() -> None:
    composer = Composer(Signer(b"k"), base_url="http://localhost:8000")
    message = mail(composer, notice_row("down\r\nBcc: evil@example.com"))
    assert message["Bcc"] is None
    assert "Bcc: evil@example.com" in message["Subject"]


def test_an_operator_template_replaces_the_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "notice.subject.txt").write_text("{{ page.name }}: {{ notice.title }}!")
    composer = Composer(Signer(b"k"), base_url="x", templates_dir=str(tmp_path))
    message = mail(composer, notice_row())
    assert message["Subject"] == "Flexo Hosting: flexo is unavailable!"
    assert message.get_body(("html",)) is not None, "the other templates stay built in"
    assert "notice.subject.txt" in template_names()


def test_non_ascii_titles_and_bodies_survive_the_trip() -> None:
    composer = Composer(Signer(b"k"), base_url="http://localhost:8000")
    message = mail(composer, notice_row("Störung: Flexo – Zürich ✓ " + "x" * 120))
    assert message["Subject"] == "[Flexo Hosting] Störung: Flexo – Zürich ✓ " + "x" * 120 + (
        " (resolved)"
    )
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "Störung: Flexo – Zürich ✓" in plain.get_content()
