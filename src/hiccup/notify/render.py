"""Turning a claimed outbox row into what a channel sends: a multipart mail, a chat message or
a webhook body. Mail comes from Jinja2 templates; a file of the same name in the operator's
`templates_dir` replaces the built-in one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from email.utils import format_datetime, getaddresses
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from hiccup.core.language import DEFAULT_LANGUAGE, N_, _, install_i18n, language, speaking
from hiccup.core.text import render_markdown
from hiccup.core.timefmt import format_moment, format_window
from hiccup.notify.mime import Mail, build, envelope_address
from hiccup.notify.notices import NoticeKind
from hiccup.notify.outbox import Claimed, message_id_for
from hiccup.notify.payloads import alert_payload, component_payload, incident_payload
from hiccup.notify.tokens import Signer

CONFIRM = "confirm"
OWNER = "owner"
ALERT = "alert"
UNSUBSCRIBE = "unsubscribe"

_STATUS_LABELS = {
    "in_progress": N_("in progress"),
    "scheduled": N_("scheduled"),
    "reminder": N_("reminder"),
    "investigating": N_("investigating"),
    "identified": N_("identified"),
    "monitoring": N_("monitoring"),
    "resolved": N_("resolved"),
    "postmortem": N_("postmortem"),
    "verifying": N_("verifying"),
    "completed": N_("completed"),
}
_NOTICE_KINDS = {k.value for k in NoticeKind}


def template_kind(message_kind: str) -> str:
    return "notice" if message_kind in _NOTICE_KINDS else message_kind


def build_environment(templates_dir: str | None) -> Environment:
    loaders: list[Any] = [PackageLoader("hiccup.notify", "templates")]
    if templates_dir:
        loaders.insert(0, FileSystemLoader(templates_dir))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # a stat() per template per mail is measurable in a big fan-out
    )
    install_i18n(env)
    return env


@lru_cache(maxsize=256)
def _markdown(body: str) -> Markup:
    # A fan-out renders one body thousands of times; Markdown + sanitizing runs once.
    return render_markdown(body)


def _one_line(text: str) -> str:
    """Header-safe: a title with a newline in it must not start a new header."""
    return re.sub(r"\s+", " ", text).strip()[:250]


def _moment(value: str | None, tz: str) -> str:
    return format_moment(datetime.fromisoformat(value), tz) if value else ""


def _expiry(value: str, tz: str) -> str:
    try:  # an ISO instant since languages came; a row queued before holds the words
        return format_moment(datetime.fromisoformat(value), tz)
    except ValueError:
        return value


class Composer:
    def __init__(
        self,
        signer: Signer,
        *,
        base_url: str,
        templates_dir: str | None = None,
        languages: Mapping[str, str] | None = None,
    ) -> None:
        """languages: each page's language by its address prefix ("" for the instance's page,
        "/p/<slug>" for another): the language of the mails its subscribers get."""
        self.signer = signer
        self._base_url = base_url.rstrip("/")
        self._env = build_environment(templates_dir)
        self._languages = dict(languages or {})

    def speaking_for(self, item: Claimed) -> AbstractContextManager[Any]:
        """Subscriber mail speaks its page's language, or the one its form was read in;
        operator alerts stay in English, like the admin."""
        if template_kind(item.message_kind) == ALERT:
            return speaking(language(DEFAULT_LANGUAGE))
        content = item.content
        page = content.get("page") or {}
        code = content.get("language") or self._languages.get(str(page.get("prefix", "")))
        return speaking(language(code or DEFAULT_LANGUAGE))

    def page_url(self, page: dict[str, Any]) -> str:
        """The page's address; another page of the site lives under its prefix."""
        return str(page.get("url") or self._base_url).rstrip("/") + str(page.get("prefix", ""))

    def unsubscribe_url(self, page: dict[str, Any], subscriber_id: str) -> str:
        token = self.signer.sign(UNSUBSCRIBE, subscriber_id)
        return f"{self.page_url(page)}/unsubscribe?token={token}"

    def _notice_context(self, item: Claimed) -> dict[str, Any]:
        content, notice = item.content, item.content["notice"]
        tz = content["page"]["time_zone"]
        status = notice["status"]
        window = ""
        if notice["kind"].startswith("maintenance_") and notice["starts_at"] and notice["ends_at"]:
            start, end = (datetime.fromisoformat(notice[k]) for k in ("starts_at", "ends_at"))
            window = _("Window: %(window)s") % {"window": format_window(start, end, tz)}
        label = "reminder" if notice["kind"] == "maintenance_reminder" else status
        return {
            "notice": notice,
            "page": content["page"],
            "page_url": self.page_url(content["page"]),
            "components": [c["name"] for c in content["components"]],
            "status_label": _(_STATUS_LABELS.get(label, label)),
            "window": window,
            "body_html": _markdown(notice["body"]),
            "unsubscribe_url": self._unsubscribe_for(item),
        }

    def _unsubscribe_for(self, item: Claimed) -> str:
        if item.subscriber is None:
            return ""
        return self.unsubscribe_url(item.content["page"], item.subscriber["id"])

    def _alert_context(self, item: Claimed) -> dict[str, Any]:
        content = item.content
        tz = content.get("time_zone", "UTC")
        return {
            "headline": content["headline"],
            "summary": content["summary"],
            "reason": content.get("reason"),
            "since": _moment(content.get("since"), tz),
            "target": (content.get("monitor") or {}).get("target"),
            "page_url": content.get("page_url", ""),
            "page_name": content.get("page_name", "Hiccup"),
        }

    def _context(self, item: Claimed) -> dict[str, Any]:
        kind = template_kind(item.message_kind)
        if kind == "notice":
            return self._notice_context(item)
        if kind == ALERT:
            return self._alert_context(item)
        context = dict(item.content)
        if "expires" in context:
            context["expires"] = _expiry(context["expires"], context["page"]["time_zone"])
        context["page_url"] = self.page_url(context["page"])
        context["subscribe_url"] = f"{context['page_url']}/subscribe"
        return context

    def render(self, item: Claimed) -> tuple[str, str, str]:
        """(subject, plain text, HTML) of the row's mail."""
        with self.speaking_for(item):
            return self._render(item)

    def _render(self, item: Claimed) -> tuple[str, str, str]:
        kind = template_kind(item.message_kind)
        context = self._context(item)
        subject = _one_line(self._env.get_template(f"{kind}.subject.txt").render(context))
        context["subject"] = subject
        text = self._env.get_template(f"{kind}.txt").render(context)
        html = self._env.get_template(f"{kind}.html").render(context)
        return subject, text, html

    def mail(self, item: Claimed, sender: str, now: datetime) -> Mail:
        subject, text, html = self.render(item)
        domain = envelope_address(sender).rpartition("@")[2] or "hiccup.invalid"
        headers = {
            "From": sender,
            "To": item.recipient,
            "Subject": subject,
            "Date": format_datetime(now),
            "Message-ID": message_id_for(item.idempotency_key, domain),
            "Auto-Submitted": "auto-generated",
        }
        if template_kind(item.message_kind) == "notice" and item.subscriber is not None:
            # RFC 2369 + RFC 8058: mail clients show an "Unsubscribe" button that POSTs.
            headers["List-Unsubscribe"] = f"<{self._unsubscribe_for(item)}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        recipients = tuple(a for _, a in getaddresses([item.recipient]) if a)
        return Mail(envelope_address(sender), recipients, build(headers, text, html))

    def chat(self, item: Claimed) -> tuple[str, str]:
        """(title, Markdown body) for chat services."""
        with self.speaking_for(item):
            return self._chat(item)

    def _chat(self, item: Claimed) -> tuple[str, str]:
        if template_kind(item.message_kind) == ALERT:
            context = self._alert_context(item)
            lines = [context["summary"], context["reason"] or "", context["page_url"]]
            return f"[Hiccup] {context['headline']}", "\n\n".join(x for x in lines if x)
        context = self._notice_context(item)
        subject = _one_line(self._env.get_template("notice.subject.txt").render(context))
        parts = [context["window"], context["notice"]["body"], context["page_url"]]
        return subject, "\n\n".join(p for p in parts if p)

    def webhook(self, item: Claimed, now: datetime) -> dict[str, Any]:
        if template_kind(item.message_kind) == ALERT:
            return alert_payload(item.content, now)
        unsubscribe = self._unsubscribe_for(item)
        if item.message_kind == NoticeKind.COMPONENT_UPDATED.value:
            update_id = message_id_for(item.idempotency_key, "x")[1:13]
            return component_payload(item.content, unsubscribe, now, update_id)
        return incident_payload(item.content, unsubscribe, now)


def template_names() -> list[str]:
    """The built-in templates an operator may override (for the docs and tests)."""
    folder = Path(__file__).parent / "templates"
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".txt", ".html"))
