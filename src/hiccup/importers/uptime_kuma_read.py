"""Read Uptime Kuma's JSON backup (1.x) or its SQLite database (kuma.db) into one shape.

Rows from the database are renamed to the backup's field names, so the mapping in
`uptime_kuma` sees a single vocabulary. The database is opened read-only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hiccup.importers.result import ImportFailure

Row = dict[str, Any]
SQLITE_MAGIC = b"SQLite format 3\x00"

# kuma.db column -> the JSON backup's field name, where they differ.
_MONITOR_COLUMNS = {
    "ignore_tls": "ignoreTls",
    "upside_down": "upsideDown",
    "retry_interval": "retryInterval",
    "push_token": "pushToken",
    "invert_keyword": "invertKeyword",
    "accepted_statuscodes_json": "accepted_statuscodes",
    "expiry_notification": "expiryNotification",
}


@dataclass
class KumaData:
    path: Path
    kind: str  # "backup" or "database"
    monitors: list[Row]
    notifications: list[Row]
    # monitor id -> notification ids
    monitor_notifications: dict[int, list[int]] = field(default_factory=dict)
    status_pages: list[Row] = field(default_factory=list)
    # status page id -> its groups in order, each with "monitors": [monitor ids in order]
    groups: dict[int, list[Row]] = field(default_factory=dict)
    maintenance: list[Row] = field(default_factory=list)
    maintenance_monitors: dict[int, list[int]] = field(default_factory=dict)
    maintenance_pages: dict[int, list[int]] = field(default_factory=dict)


def read_kuma(path: Path) -> KumaData:
    try:
        head = path.read_bytes()[: len(SQLITE_MAGIC)]
    except OSError as error:
        raise ImportFailure(f"{path}: cannot read: {error.strerror}") from None
    return _read_database(path) if head == SQLITE_MAGIC else _read_backup(path)


def _config_of(raw: Any, where: str) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, json.JSONDecodeError) as error:
        raise ImportFailure(f"{where}: config is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ImportFailure(f"{where}: config is not a JSON object")
    return value


def _read_backup(path: Path) -> KumaData:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ImportFailure(f"{path}: neither a JSON backup nor a SQLite database") from None
    except json.JSONDecodeError as error:
        raise ImportFailure(
            f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg}); expected an "
            "Uptime Kuma backup or its kuma.db"
        ) from None
    if not isinstance(data, dict) or "monitorList" not in data:
        raise ImportFailure(f"{path}: no `monitorList`: not an Uptime Kuma backup")
    version = str(data.get("version", ""))
    if not version.startswith("1."):
        raise ImportFailure(
            f"{path}: version: {version or 'missing'!r} is not a 1.x backup "
            "(Uptime Kuma's JSON backup exists in 1.x; for 2.x import its kuma.db)"
        )
    monitors = data["monitorList"]
    notifications = data.get("notificationList") or []
    if not isinstance(monitors, list) or not all(isinstance(m, dict) for m in monitors):
        raise ImportFailure(f"{path}: monitorList: expected a list of monitors")
    if not isinstance(notifications, list) or not all(isinstance(n, dict) for n in notifications):
        raise ImportFailure(f"{path}: notificationList: expected a list of notifications")
    for index, item in enumerate(notifications):
        item["config"] = _config_of(item.get("config"), f"{path}: notificationList[{index}]")
    links = {
        int(m["id"]): [int(k) for k, on in (m.get("notificationIDList") or {}).items() if on]
        for m in monitors
        if "id" in m
    }
    return KumaData(path, "backup", monitors, notifications, links)


def _rows(db: sqlite3.Connection, sql: str) -> list[Row]:
    return [dict(row) for row in db.execute(sql)]


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _read_database(path: Path) -> KumaData:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise ImportFailure(f"{path}: cannot open the database: {error}") from None
    db.row_factory = sqlite3.Row
    try:
        return _from_database(db, path)
    except sqlite3.Error as error:
        raise ImportFailure(f"{path}: not a readable Uptime Kuma database: {error}") from None
    finally:
        db.close()


def _monitor_rows(db: sqlite3.Connection, tables: set[str]) -> list[Row]:
    monitors = []
    for row in _rows(db, "SELECT * FROM monitor ORDER BY id"):
        item = {_MONITOR_COLUMNS.get(k, k): v for k, v in row.items()}
        codes = item.get("accepted_statuscodes")
        item["accepted_statuscodes"] = json.loads(codes) if isinstance(codes, str) else codes
        item["tags"] = []
        monitors.append(item)
    if {"tag", "monitor_tag"} <= tables:
        by_id = {m["id"]: m for m in monitors}
        sql = (
            "SELECT mt.monitor_id, t.name, mt.value FROM monitor_tag mt "
            "JOIN tag t ON t.id = mt.tag_id ORDER BY mt.id"
        )
        for tag in _rows(db, sql):
            if tag["monitor_id"] in by_id:
                by_id[tag["monitor_id"]]["tags"].append(tag)
    return monitors


def _pairs(db: sqlite3.Connection, table: str, key: str, value: str) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for row in _rows(db, f'SELECT {key}, {value} FROM "{table}" ORDER BY id'):
        found.setdefault(int(row[key]), []).append(int(row[value]))
    return found


def _page_groups(db: sqlite3.Connection) -> dict[int, list[Row]]:
    groups: dict[int, list[Row]] = {}
    by_id: dict[int, Row] = {}
    for group in _rows(db, 'SELECT * FROM "group" ORDER BY status_page_id, weight, id'):
        group["monitors"] = []
        by_id[group["id"]] = group
        if group.get("status_page_id") is not None:
            groups.setdefault(int(group["status_page_id"]), []).append(group)
    for link in _rows(db, "SELECT * FROM monitor_group ORDER BY group_id, weight, id"):
        if link["group_id"] in by_id:
            by_id[link["group_id"]]["monitors"].append(int(link["monitor_id"]))
    return groups


def _from_database(db: sqlite3.Connection, path: Path) -> KumaData:
    tables = _tables(db)
    if "monitor" not in tables:
        raise ImportFailure(f"{path}: no `monitor` table: not an Uptime Kuma database")
    notifications = []
    if "notification" in tables:
        for row in _rows(db, "SELECT * FROM notification ORDER BY id"):
            row["config"] = _config_of(row.get("config"), f"{path}: notification id {row['id']}")
            notifications.append(row)
    data = KumaData(path, "database", _monitor_rows(db, tables), notifications)
    if "monitor_notification" in tables:
        data.monitor_notifications = _pairs(
            db, "monitor_notification", "monitor_id", "notification_id"
        )
    if {"status_page", "group", "monitor_group"} <= tables:
        data.status_pages = _rows(db, "SELECT * FROM status_page ORDER BY id")
        data.groups = _page_groups(db)
    if "maintenance" in tables:
        data.maintenance = _rows(db, "SELECT * FROM maintenance ORDER BY id")
        if "monitor_maintenance" in tables:
            data.maintenance_monitors = _pairs(
                db, "monitor_maintenance", "maintenance_id", "monitor_id"
            )
        if "maintenance_status_page" in tables:
            data.maintenance_pages = _pairs(
                db, "maintenance_status_page", "maintenance_id", "status_page_id"
            )
    return data
