"""Uptime Kuma → hiccup.yaml: monitors, status pages, maintenance and notifications.

What maps (and what does not) is listed in docs/import.md. Kuma's retries become Hiccup's
confirmation: `maxretries` failed retries after a failure mean `maxretries + 1` failures in a
row before down, and Kuma marks a monitor up on its first success (`success_threshold: 1`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hiccup.core.durations import format_duration
from hiccup.importers import kuma_maintenance, kuma_notifications
from hiccup.importers.result import ImportResult, Keys, Tick, ticking
from hiccup.importers.uptime_kuma_read import KumaData, Row, read_kuma

_KINDS = {
    "http": "http",
    "keyword": "http",
    "port": "tcp",
    "ping": "icmp",
    "dns": "dns",
    "push": "heartbeat",
}
_TAG = re.compile(r"[^a-z0-9_.-]+")
_HEARTBEAT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_DNS_TYPES = {"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "PTR", "CAA"}


def import_uptime_kuma(path: Path, now: datetime, tick: Tick | None = None) -> ImportResult:
    """Read a JSON backup or kuma.db; ImportFailure when it is neither. `now` decides which
    one-off maintenance windows are over."""
    return map_kuma(read_kuma(path), now, tick)


def label(monitor: Row) -> str:
    return f"monitor {monitor.get('name')!r} (id {monitor.get('id')})"


def _seconds(value: Any) -> str:
    return format_duration(timedelta(seconds=float(value)))


_TWO_XX, _THREE_XX = set(range(200, 300)), set(range(300, 400))


def _codes(value: Any) -> list[int] | None:
    """["200-299", "304"] -> the codes; None when they hold every 2xx and nothing outside
    2xx/3xx: Hiccup's default takes any 2xx or 3xx, and redirects are followed first."""
    codes: list[int] = []
    for part in value or []:
        low, _, high = str(part).partition("-")
        codes += range(int(low), int(high or low) + 1)
    if not codes or _TWO_XX <= set(codes) <= _TWO_XX | _THREE_XX:
        return None
    return sorted(set(codes))


def _http(monitor: Row, item: dict[str, Any], result: ImportResult) -> None:
    item["target"] = str(monitor.get("url") or "")
    method = str(monitor.get("method") or "GET").upper()
    if method != "GET":
        item["method"] = method
    if monitor.get("type") == "keyword" and monitor.get("keyword"):
        inverted = bool(monitor.get("invertKeyword"))
        item["keyword_absent" if inverted else "keyword"] = str(monitor["keyword"])
    accepted = monitor.get("accepted_statuscodes")
    try:
        codes = _codes(accepted)
    except ValueError:
        result.skip(label(monitor), f"accepted status codes {accepted} are not codes or ranges")
        codes = None
    if codes is not None:
        item["expected_status"] = codes
    elif set(map(str, accepted or [])) - {"200-299"}:
        result.change(label(monitor), "accepted status codes: any 2xx or 3xx (Hiccup's default)")
    redirects = monitor.get("maxredirects")
    if redirects == 0:
        item["follow_redirects"] = False
    elif isinstance(redirects, int) and redirects != 10:
        item["max_redirects"] = min(redirects, 100)
    if monitor.get("ignoreTls"):
        item["verify_tls"] = False
    _request(monitor, item, result)


def _request(monitor: Row, item: dict[str, Any], result: ImportResult) -> None:
    if monitor.get("body"):
        item["body"] = str(monitor["body"])
    headers = monitor.get("headers")
    if headers:
        try:
            parsed = json.loads(headers) if isinstance(headers, str) else headers
            item["headers"] = {str(k): str(v) for k, v in dict(parsed).items()}
        except (ValueError, TypeError):
            result.skip(label(monitor), "headers are not a JSON object; left out")
    if monitor.get("basic_auth_user") or monitor.get("authMethod") not in (None, "", "null"):
        result.skip(
            label(monitor),
            "HTTP authentication is not copied into hiccup.yaml (credentials); add an "
            "`Authorization` header under `headers` yourself",
        )


def _options(kind: str, monitor: Row, item: dict[str, Any], result: ImportResult) -> None:
    host = str(monitor.get("hostname") or "").strip()
    if kind == "http":
        _http(monitor, item, result)
    elif kind == "tcp":
        bracketed = f"[{host}]" if ":" in host else host  # an IPv6 address
        item["target"] = f"{bracketed}:{monitor.get('port')}"
    elif kind == "icmp":
        item["target"] = host
    elif kind == "dns":
        item["target"] = host
        record = str(monitor.get("dns_resolve_type") or "A").upper()
        if record in _DNS_TYPES:
            item["record_type"] = record
        else:
            result.skip(label(monitor), f"DNS record type {record} is not one Hiccup checks (A is)")
        if monitor.get("dns_resolve_server"):
            port = monitor.get("port")
            server = str(monitor["dns_resolve_server"])
            item["resolver"] = server if port in (None, 53) else f"{server}:{port}"
    elif kind == "heartbeat":
        item["period"] = item.pop("interval")
        token = str(monitor.get("pushToken") or "")
        if _HEARTBEAT_TOKEN.match(token):
            item["token"] = token
        result.change(
            label(monitor),
            "push monitor: the job must now call Hiccup's ping URL (/ping/<token>), not /api/push",
        )


def _confirmation(monitor: Row, item: dict[str, Any], result: ImportResult) -> None:
    retries = int(monitor.get("maxretries") or 0)
    item["failure_threshold"] = min(retries + 1, 100)
    item["success_threshold"] = 1
    interval = float(monitor.get("interval") or 60)
    retry = float(monitor.get("retryInterval") or 0)
    if retries and 1 <= retry < interval and item["kind"] != "heartbeat":
        item["retry_interval"] = _seconds(retry)
    elif retries and retry > interval:
        result.change(label(monitor), f"retry interval {retry:g}s is longer than the interval")


def _tags(monitor: Row, groups: dict[Any, str]) -> list[str]:
    tags: list[str] = []
    named = list(monitor.get("tags") or [])
    if monitor.get("parent") in groups:
        named.insert(0, {"name": groups[monitor["parent"]]})
    for tag in named:
        text = f"{tag.get('name', '')}-{tag['value']}" if tag.get("value") else tag.get("name")
        slug = _TAG.sub("-", str(text or "").lower()).strip("-._")[:50]
        if slug and slug not in tags:
            tags.append(slug)
    return tags[:20]


def _certificate(monitor: Row, item: dict[str, Any], keys: Keys) -> dict[str, Any] | None:
    """Kuma's "certificate expiry notification" on an HTTPS monitor: a `tls` monitor beside it
    (Kuma warns from 21 days out; Hiccup's `tls` warns at 14 and fails at 3 by default)."""
    parts = urlsplit(str(item.get("target") or ""))
    if not monitor.get("expiryNotification") or parts.scheme != "https" or not parts.hostname:
        return None
    name = f"{item['name']} certificate"[:200]
    target = parts.netloc.rsplit("@", 1)[-1]
    found: dict[str, Any] = {"name": name, "key": keys.make(name), "kind": "tls"}
    found.update(target=target, interval="1h")
    if item.get("enabled") is False:
        found["enabled"] = False
    return found


def _monitor(
    monitor: Row, keys: Keys, groups: dict[Any, str], result: ImportResult
) -> dict[str, Any] | None:
    kind = _KINDS.get(str(monitor.get("type")))
    if monitor.get("type") == "group":
        result.skip(label(monitor), "a group monitor: its members are imported, tagged with it")
        return None
    if kind is None:
        result.skip(label(monitor), f"type {monitor.get('type')!r} has no Hiccup check kind")
        return None
    if monitor.get("upsideDown"):
        result.skip(label(monitor), "upside-down mode (up when the check fails) has no equivalent")
        return None
    name = str(monitor.get("name") or f"monitor {monitor.get('id')}")[:200]
    item: dict[str, Any] = {"name": name, "key": keys.make(name), "kind": kind}
    item["interval"] = _seconds(monitor.get("interval") or 60)
    timeout = monitor.get("timeout")
    if isinstance(timeout, int | float) and timeout > 0 and kind != "heartbeat":
        item["timeout"] = _seconds(timeout)
    _confirmation(monitor, item, result)
    if not monitor.get("active", True):
        item["enabled"] = False
    tags = _tags(monitor, groups)
    if tags:
        item["tags"] = tags
    _options(kind, monitor, item, result)
    return item


def _component(monitor: dict[str, Any], keys: Keys) -> dict[str, Any]:
    return {"name": monitor["name"], "key": keys.make(monitor["name"])}


def _pages(
    data: KumaData, mapped: dict[int, dict[str, Any]], result: ImportResult
) -> dict[int, list[str]]:
    """Each status page's groups become group components; each monitor on it a member
    component bound to the monitor. A monitor shown on two pages keeps its first place."""
    keys, tree, pages = Keys(), [], []
    page_components: dict[int, list[str]] = {}
    for page in data.status_pages:
        shown: list[str] = []
        for group in data.groups.get(int(page["id"]), []):
            members = []
            for monitor_id in group["monitors"]:
                monitor = mapped.get(monitor_id)
                if monitor is None or "component" in monitor:
                    if monitor is not None:
                        result.change(
                            f"status page {page['slug']!r}",
                            f"monitor {monitor['name']!r} is on another page already; "
                            "a Hiccup monitor has one component",
                        )
                    continue
                member = _component(monitor, keys)
                monitor["component"] = member["key"]
                members.append(member)
            if members:
                grouped = {"name": str(group["name"]), "key": keys.make(str(group["name"]))}
                tree.append({**grouped, "components": members})
                shown.append(grouped["key"])
        page_components[int(page["id"])] = shown
        pages.append(_page(page, shown, result))
    data_pages = pages or [{"name": "Status", "slug": "default"}]
    if not pages:
        result.change(
            f"{data.path.name}",
            "no status pages in a JSON backup: monitors are bound to no component; add "
            "components and `component:` keys to show them on the page",
        )
    result.config["page"] = data_pages[0]
    if len(data_pages) > 1:
        result.config["pages"] = data_pages[1:]
    result.config["components"] = tree
    return page_components


def _page(page: Row, shown: list[str], result: ImportResult) -> dict[str, Any]:
    where = f"status page {page.get('slug')!r}"
    slug = re.sub(r"[^a-z0-9-]+", "-", str(page.get("slug") or "").lower()).strip("-")[:64]
    item: dict[str, Any] = {"name": str(page.get("title") or slug or "Status")[:200]}
    item["slug"] = slug or "default"
    item["components"] = shown
    if page.get("custom_css"):
        item["custom_css"] = str(page["custom_css"])
    if page.get("icon") and str(page["icon"]).startswith(("http://", "https://")):
        item["logo_url"] = str(page["icon"])
    if not page.get("published", 1):
        result.change(where, "unpublished in Kuma; Hiccup's pages are public unless `private:`")
    if page.get("password"):
        result.skip(where, "password protection: use `private:` (tokens or networks) instead")
    for field in ("description", "footer_text", "google_analytics_tag_id"):
        if page.get(field):
            result.skip(where, f"{field} has no place in Hiccup's page settings")
    return item


def map_kuma(data: KumaData, now: datetime, tick: Tick | None = None) -> ImportResult:
    result = ImportResult(f"Uptime Kuma {data.kind} {data.path.name}", {})
    keys, mapped, extra = Keys(), {}, []
    groups = {m.get("id"): str(m.get("name")) for m in data.monitors if m.get("type") == "group"}
    for monitor in ticking(data.monitors, len(data.monitors), tick):
        item = _monitor(monitor, keys, groups, result)
        if item is not None:
            mapped[int(monitor["id"])] = item
            certificate = _certificate(monitor, item, keys)
            if certificate is not None:
                extra.append(certificate)
    page_components = _pages(data, mapped, result)
    result.config["monitors"] = [*mapped.values(), *extra]
    windows = kuma_maintenance.windows(data, mapped, page_components, now, result)
    if windows:
        result.config["maintenance"] = windows
    notifications = kuma_notifications.notifications(data, mapped, result)
    if notifications:
        result.config["notifications"] = notifications
    return result
