"""Gatus's `alerting:` providers → channels, and endpoints' `alerts:` → one rule per provider
(two when some endpoints do not want the resolved message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hiccup.importers import apprise_urls

if TYPE_CHECKING:
    from hiccup.importers.gatus_context import GatusContext, Where

SMTP_PASSWORD_ENV = "HICCUP_SMTP_PASSWORD"

_APPRISE: dict[str, Callable[[dict[str, Any]], str]] = {
    "slack": lambda c: apprise_urls.slack(c.get("webhook-url")),
    "discord": lambda c: apprise_urls.discord(c.get("webhook-url")),
    "mattermost": lambda c: apprise_urls.mattermost(c.get("webhook-url")),
    "telegram": lambda c: apprise_urls.telegram(c.get("token"), c.get("id")),
    "ntfy": lambda c: apprise_urls.ntfy(c.get("url"), c.get("topic"), c.get("token")),
    "gotify": lambda c: apprise_urls.gotify(c.get("server-url"), c.get("token")),
    "pushover": lambda c: apprise_urls.pushover(c.get("user-key"), c.get("application-token")),
}


def _email(
    settings: dict[str, Any], key: str, section: dict[str, Any], ctx: GatusContext
) -> dict[str, Any]:
    port = int(settings.get("port") or 587)
    smtp: dict[str, Any] = {"host": str(settings.get("host") or ""), "port": port}
    smtp["security"] = "tls" if port == 465 else "starttls"
    smtp["from"] = str(settings.get("from") or "")
    if settings.get("username"):
        smtp["username"] = str(settings["username"])
    if settings.get("password"):
        smtp["password_env"] = SMTP_PASSWORD_ENV
        where = ctx.where(("alerting", "email", "password"))
        ctx.result.change(where, f"the SMTP password is read from ${SMTP_PASSWORD_ENV}")
    section["smtp"] = smtp
    to = [a.strip() for a in str(settings.get("to") or "").split(",") if a.strip()]
    return {"key": key, "kind": "email", "to": to}


def _channel(
    kind: str, settings: dict[str, Any], section: dict[str, Any], ctx: GatusContext
) -> dict[str, Any] | None:
    where = ctx.where(("alerting", kind))
    try:
        if kind in _APPRISE:
            return {"key": kind, "kind": "apprise", "url": _APPRISE[kind](settings)}
        if kind == "custom":
            ctx.result.change(where, "Hiccup posts its own JSON payload, not the custom body")
            return {"key": kind, "kind": "webhook", "url": str(settings.get("url") or "")}
        if kind == "email":
            return _email(settings, kind, section, ctx)
    except ValueError as error:
        ctx.result.skip(where, str(error))
        return None
    ctx.result.skip(where, f"provider {kind!r} has no Apprise URL or Hiccup channel here")
    return None


def _rules(
    alerts: list[tuple[tuple[str, ...], Any, Where]], channels: set[str], ctx: GatusContext
) -> list[dict[str, Any]]:
    rules: dict[tuple[str, bool], list[str]] = {}
    for monitor_keys, alert, where in alerts:
        if not isinstance(alert, dict) or alert.get("enabled") is False:
            continue
        kind = str(alert.get("type") or "")
        if kind not in channels:
            ctx.result.skip(f"{ctx.where(where)} alert {kind!r}", "its provider was not imported")
            continue
        resolved = bool(alert.get("send-on-resolved", False))
        keys = rules.setdefault((kind, resolved), [])
        keys += [k for k in monitor_keys if k not in keys]
    found = []
    for (kind, resolved), monitors in rules.items():
        rule: dict[str, Any] = {"key": kind if resolved else f"{kind}-down"}
        rule.update(channels=[kind], monitors=monitors)
        rule["on"] = ["down", "recovery"] if resolved else ["down"]
        found.append(rule)
    return found


def _thresholds(
    alerts: list[tuple[tuple[str, ...], Any, Where]], monitors: list[dict[str, Any]]
) -> None:
    """Gatus alerts after `failure-threshold` failures in a row: Hiccup's confirmation."""
    by_key = {m["key"]: m for m in monitors}
    for monitor_keys, alert, _ in alerts:
        if not isinstance(alert, dict) or alert.get("enabled") is False:
            continue
        for key in monitor_keys:
            if "failure-threshold" in alert:
                by_key[key].setdefault("failure_threshold", int(alert["failure-threshold"]))
            if "success-threshold" in alert:
                by_key[key].setdefault("success_threshold", int(alert["success-threshold"]))


def notifications(
    alerting: dict[str, Any],
    alerts: list[tuple[tuple[str, ...], Any, Where]],
    monitors: list[dict[str, Any]],
    ctx: GatusContext,
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    channels = []
    for kind, settings in alerting.items():
        channel = _channel(str(kind), dict(settings or {}), section, ctx)
        if channel is not None:
            channels.append(channel)
    _thresholds(alerts, monitors)
    rules = _rules(alerts, {c["key"] for c in channels}, ctx)
    if channels:
        section["channels"] = channels
    if rules:
        section["alerts"] = rules
    return section
