"""Gatus → hiccup.yaml: endpoints as monitors (conditions where they map), groups as
component groups, `alerting:` providers as channels with one alert rule each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hiccup.config.yamlsource import YamlSyntaxError, load_yaml
from hiccup.core.durations import format_duration, parse_duration
from hiccup.importers import gatus_alerting
from hiccup.importers.gatus_conditions import Unmapped, condition
from hiccup.importers.gatus_context import GatusContext, Where
from hiccup.importers.result import ImportFailure, ImportResult, Tick, ticking


def import_gatus(path: Path, now: datetime, tick: Tick | None = None) -> ImportResult:
    """Read a Gatus config.yaml; `now` dates the start of its recurring maintenance window."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ImportFailure(f"{path}: cannot read: {reason}") from None
    try:
        data = load_yaml(text, path)
    except YamlSyntaxError as error:
        raise ImportFailure(f"{path}:{error.line}: not YAML: {error.message}") from None
    if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
        raise ImportFailure(f"{path}: no `endpoints:` list: not a Gatus config")
    return map_gatus(data, path, now, tick)


def _duration(value: Any, what: str) -> str:
    try:
        return format_duration(parse_duration(value))
    except ValueError:
        raise Unmapped(f"{what} {value!r} is not a duration") from None


def _target(url: str, endpoint: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(kind, target, options) from the endpoint's url (and its `dns:` block)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return "http", url, {}
    if scheme == "tcp":
        return "tcp", parts.netloc, {}
    if scheme == "tls":
        return "tls", parts.netloc, {}
    if scheme == "icmp":
        return "icmp", parts.netloc or parts.path, {}
    dns = endpoint.get("dns")
    if isinstance(dns, dict) and dns.get("query-name"):
        options: dict[str, Any] = {"record_type": str(dns.get("query-type") or "A").upper()}
        options["resolver"] = url.removeprefix("udp://").removeprefix("tcp://")
        return "dns", str(dns["query-name"]).rstrip("."), options
    raise Unmapped(f"{scheme or 'this'} endpoints have no Hiccup check kind")


def _http_options(endpoint: dict[str, Any], item: dict[str, Any]) -> None:
    method = str(endpoint.get("method") or "GET").upper()
    if method != "GET":
        item["method"] = method
    if endpoint.get("headers"):
        item["headers"] = {str(k): str(v) for k, v in dict(endpoint["headers"]).items()}
    if endpoint.get("body"):
        item["body"] = str(endpoint["body"])


def _client(endpoint: dict[str, Any], item: dict[str, Any]) -> None:
    client = endpoint.get("client") or {}
    if client.get("timeout"):
        item["timeout"] = _duration(client["timeout"], "client.timeout")
    if client.get("insecure") and item["kind"] == "http":
        item["verify_tls"] = False
    if client.get("ignore-redirect") and item["kind"] == "http":
        item["follow_redirects"] = False


def _conditions(
    endpoint: dict[str, Any], item: dict[str, Any], where: Where, ctx: GatusContext
) -> list[dict[str, Any]]:
    """Applies each condition to `item`; returns extra monitors (certificate checks)."""
    extra = []
    for index, text in enumerate(endpoint.get("conditions") or []):
        here = ctx.where((*where, "conditions", index))
        try:
            mapped = condition(str(text), item["kind"])
        except Unmapped as error:
            ctx.result.skip(f"{here} {text!r}", str(error))
            continue
        if mapped.note:
            ctx.result.change(f"{here} {text!r}", mapped.note)
        for name, value in mapped.options.items():
            if name == "expected_status" and name in item:
                value = [c for c in item[name] if c in value]  # both must hold
            item[name] = value
        if mapped.certificate_days is not None:
            if item["kind"] == "tls":
                item["fail_days"] = mapped.certificate_days
                item["warn_days"] = max(mapped.certificate_days, 14)
            else:
                extra.append(_certificate(item, mapped.certificate_days, ctx))
    return extra


def _certificate(item: dict[str, Any], days: int, ctx: GatusContext) -> dict[str, Any]:
    parts = urlsplit(item["target"])
    name = f"{item['name']} certificate"[:200]
    return {
        "name": name,
        "key": ctx.monitor_keys.make(name),
        "kind": "tls",
        "target": parts.netloc.rsplit("@", 1)[-1],
        "interval": item.get("interval", "1m"),
        "fail_days": days,
        "warn_days": max(days, 14),
    }


def _monitor(endpoint: dict[str, Any], where: Where, ctx: GatusContext) -> list[dict[str, Any]]:
    name = str(endpoint.get("name") or "endpoint")[:200]
    kind, target, options = _target(str(endpoint.get("url") or ""), endpoint)
    item: dict[str, Any] = {"name": name, "key": ctx.monitor_keys.make(name), "kind": kind}
    item["target"] = target
    item["interval"] = _duration(endpoint.get("interval") or "60s", "interval")
    item.update(options)
    if endpoint.get("enabled") is False:
        item["enabled"] = False
    if kind == "http":
        _http_options(endpoint, item)
    _client(endpoint, item)
    extra = _conditions(endpoint, item, where, ctx)
    return [item, *extra]


def _components(monitors: list[tuple[dict[str, Any], str | None]], ctx: GatusContext) -> list[Any]:
    """A component per endpoint, inside its `group` (as Gatus shows them)."""
    tree: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for monitor, group in monitors:
        component = {"name": monitor["name"], "key": ctx.component_keys.make(monitor["name"])}
        monitor["component"] = component["key"]
        if group is None:
            tree.append(component)
            continue
        if group not in groups:
            groups[group] = {"name": group, "key": ctx.component_keys.make(group), "components": []}
            tree.append(groups[group])
        groups[group]["components"].append(component)
    return tree


_WEEKDAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}


def _maintenance(section: Any, now: datetime, ctx: GatusContext) -> dict[str, Any] | None:
    """Gatus's one `maintenance:` window (daily, or on `every` weekday) over every component."""
    if not isinstance(section, dict) or section.get("enabled") is False:
        return None
    where = ctx.where(("maintenance",))
    keys = [c["key"] for c in ctx.result.config["components"]]
    try:
        hour, minute = (int(p) for p in str(section["start"]).split(":"))
        duration = _duration(section["duration"], "duration")
        days = [_WEEKDAYS[str(d).lower()] for d in section.get("every") or []]
    except (KeyError, ValueError) as error:
        ctx.result.skip(where, f"unreadable window: {error}")
        return None
    if not keys:
        ctx.result.skip(where, "no endpoint was imported for it to cover")
        return None
    start = now.replace(hour=hour, minute=minute, second=0, microsecond=0, tzinfo=None)
    window: dict[str, Any] = {"name": "Maintenance", "key": "gatus-maintenance"}
    window.update(components=keys, start=start.isoformat(), duration=duration)
    window["rrule"] = "FREQ=WEEKLY;BYDAY=" + ",".join(days) if days else "FREQ=DAILY"
    window["time_zone"] = str(section.get("timezone") or "UTC")
    return window


def map_gatus(data: Any, path: Path, now: datetime, tick: Tick | None = None) -> ImportResult:
    result = ImportResult(f"Gatus config {path.name}", {})
    ctx = GatusContext(data, path, result)
    endpoints: list[Any] = data["endpoints"]
    shown: list[tuple[dict[str, Any], str | None]] = []
    monitors: list[dict[str, Any]] = []
    alerts: list[tuple[tuple[str, ...], Any, Where]] = []
    for index, endpoint in ticking(enumerate(endpoints), len(endpoints), tick):
        where: Where = ("endpoints", index)
        if not isinstance(endpoint, dict):
            result.skip(ctx.where(where), "not a mapping")
            continue
        try:
            items = _monitor(endpoint, where, ctx)
        except Unmapped as error:
            result.skip(f"{ctx.where(where)} {endpoint.get('name')!r}", str(error))
            continue
        group = endpoint.get("group")
        shown.append((items[0], str(group) if group else None))
        monitors += items
        keys = tuple(m["key"] for m in items)
        alerts += [(keys, alert, where) for alert in endpoint.get("alerts") or []]
    ui = data.get("ui") if isinstance(data.get("ui"), dict) else {}
    result.config["page"] = {"name": str(ui.get("title") or "Status")[:200]}
    result.config["components"] = _components(shown, ctx)
    result.config["monitors"] = monitors
    notifications = gatus_alerting.notifications(data.get("alerting") or {}, alerts, monitors, ctx)
    if notifications:
        result.config["notifications"] = notifications
    window = _maintenance(data.get("maintenance"), now, ctx)
    if window is not None:
        result.config["maintenance"] = [window]
    for section in ("external-endpoints", "suites"):
        if data.get(section):
            result.skip(ctx.where((section,)), "not imported (see docs/import.md)")
    return result
