"""Uptime Kuma's notifications → Hiccup's channels and alert rules.

Chat and push services become `apprise` channels (their Apprise URL built from Kuma's
settings), webhooks `webhook` channels, SMTP an `email` channel plus the `smtp:` section.
Each notification's monitors become one alert rule on down and recovery, as Kuma sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hiccup.importers import apprise_urls
from hiccup.importers.result import ImportResult, Keys
from hiccup.importers.uptime_kuma_read import KumaData, Row

SMTP_PASSWORD_ENV = "HICCUP_SMTP_PASSWORD"

_APPRISE: dict[str, Callable[[dict[str, Any]], str]] = {
    "slack": lambda c: apprise_urls.slack(c.get("slackwebhookURL")),
    "discord": lambda c: apprise_urls.discord(c.get("discordWebhookUrl")),
    "telegram": lambda c: apprise_urls.telegram(c.get("telegramBotToken"), c.get("telegramChatID")),
    "mattermost": lambda c: apprise_urls.mattermost(c.get("mattermostWebhookUrl")),
    "ntfy": lambda c: apprise_urls.ntfy(
        c.get("ntfyserverurl"), c.get("ntfytopic"), c.get("ntfyaccesstoken")
    ),
    "gotify": lambda c: apprise_urls.gotify(
        c.get("gotifyserverurl"), c.get("gotifyapplicationToken")
    ),
    "pushover": lambda c: apprise_urls.pushover(
        c.get("pushoveruserkey"), c.get("pushoverapptoken")
    ),
}


def _label(row: Row) -> str:
    return f"notification {row.get('name')!r} (id {row.get('id')})"


def _smtp(config: dict[str, Any], row: Row, result: ImportResult) -> dict[str, Any]:
    smtp: dict[str, Any] = {
        "host": str(config.get("smtpHost") or ""),
        "security": "tls" if config.get("smtpSecure") else "starttls",
        "from": str(config.get("smtpFrom") or ""),
    }
    if config.get("smtpPort"):
        smtp["port"] = int(config["smtpPort"])
    if config.get("smtpUsername"):
        smtp["username"] = str(config["smtpUsername"])
    if config.get("smtpPassword"):
        smtp["password_env"] = SMTP_PASSWORD_ENV
        result.change(
            _label(row), f"the SMTP password is read from ${SMTP_PASSWORD_ENV}; set it there"
        )
    return smtp


def _channel(
    row: Row, key: str, notifications: dict[str, Any], result: ImportResult
) -> dict[str, Any] | None:
    config: dict[str, Any] = row.get("config") or {}
    kind = str(config.get("type") or "")
    if kind in _APPRISE:
        return {"key": key, "kind": "apprise", "url": _APPRISE[kind](config)}
    if kind == "webhook":
        if config.get("webhookContentType") == "custom":
            result.change(_label(row), "a custom body: Hiccup posts its own JSON payload")
        return {"key": key, "kind": "webhook", "url": str(config.get("webhookURL") or "")}
    if kind == "smtp":
        smtp = _smtp(config, row, result)
        known = notifications.get("smtp")
        if known is not None and known["host"] != smtp["host"]:
            raise ValueError(f"a second SMTP server ({smtp['host']}): Hiccup sends through one")
        notifications.setdefault("smtp", smtp)
        to = [a.strip() for a in str(config.get("smtpTo") or "").split(",") if a.strip()]
        return {"key": key, "kind": "email", "to": to}
    result.skip(_label(row), f"type {kind!r} has no Apprise URL or Hiccup channel here")
    return None


def notifications(
    data: KumaData, mapped: dict[int, dict[str, Any]], result: ImportResult
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    channels, rules, keys = [], [], Keys()
    for row in data.notifications:
        if not row.get("active", 1):
            result.skip(_label(row), "inactive")
            continue
        key = keys.make(str(row.get("name") or f"notification-{row.get('id')}"))
        try:
            channel = _channel(row, key, section, result)
        except ValueError as error:
            result.skip(_label(row), str(error))
            continue
        if channel is None:
            continue
        channels.append(channel)
        monitors = [
            mapped[monitor_id]["key"]
            for monitor_id, linked in data.monitor_notifications.items()
            if int(row["id"]) in linked and monitor_id in mapped
        ]
        if monitors:
            rules.append({"key": key, "channels": [key], "monitors": monitors})
        else:
            result.change(_label(row), "sent for no imported monitor: channel kept, no alert rule")
    if channels:
        section["channels"] = channels
    if rules:
        section["alerts"] = rules
    return section
