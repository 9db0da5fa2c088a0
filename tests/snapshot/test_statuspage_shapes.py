"""The Statuspage v2 documents carry exactly Statuspage's keys, types and enum values."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.timefmt import statuspage_time
from hiccup.snapshot import statuspage
from tests.support.public_fixtures import PAGE, api_incident, make_state

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
}
INCIDENT_KEYS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
}
UPDATE_KEYS = {
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
}
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACTS = {"none", "minor", "major", "critical"}

UTC_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
OFFSET_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")


def _is_stamp(value: object) -> bool:
    return isinstance(value, str) and bool(UTC_STAMP.match(value) or OFFSET_STAMP.match(value))


def _component(doc: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["id"] == cid)


def test_summary_has_exactly_the_five_statuspage_sections() -> None:
    doc = statuspage.summary(make_state())
    assert set(doc) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert doc["scheduled_maintenances"] == []
    assert doc["status"] == {"indicator": "critical", "description": "Major System Outage"}


def test_summary_lists_only_open_incidents() -> None:
    doc = statuspage.summary(make_state())
    assert [i["id"] for i in doc["incidents"]] == ["inc1"]


def test_page_object_has_statuspage_keys_and_types() -> None:
    page = statuspage.summary(make_state())["page"]
    assert set(page) == PAGE_KEYS
    assert page["id"] == "pg1"
    assert page["name"] == "Acme Hosting"
    assert page["url"] == "https://status.example.com"
    assert page["time_zone"] == "Etc/UTC"
    assert page["updated_at"] == "2026-11-22T16:40:00.351Z"


def test_component_object_has_statuspage_keys_and_types() -> None:
    api = _component(statuspage.components(make_state()), "api")
    assert set(api) == COMPONENT_KEYS
    assert api["status"] == "major_outage"
    assert api["position"] == 1
    assert api["description"] is None
    assert api["showcase"] is True
    assert api["start_date"] == "2026-01-05"
    assert api["group_id"] is None
    assert api["page_id"] == "pg1"
    assert api["group"] is False
    assert api["only_show_if_degraded"] is False
    assert _is_stamp(api["created_at"])
    assert _is_stamp(api["updated_at"])


def test_group_component_lists_its_member_ids() -> None:
    doc = statuspage.components(make_state())
    group = _component(doc, "web")
    assert set(group) == COMPONENT_KEYS | {"components"}
    assert group["group"] is True
    assert group["components"] == ["amy", "flexo"]
    assert _component(doc, "amy")["group_id"] == "web"
    assert "components" not in _component(doc, "amy")


def test_start_date_is_the_creation_day_in_the_page_zone() -> None:
    # 07:30 UTC on 5 Jan is still 4 Jan in Honolulu (UTC-10).
    state = make_state(page=replace(PAGE, time_zone="Pacific/Honolulu"))
    assert _component(statuspage.components(state), "api")["start_date"] == "2026-01-04"


def test_incident_object_has_statuspage_keys_and_types() -> None:
    incident = statuspage.incidents(make_state())["incidents"][0]
    assert set(incident) == INCIDENT_KEYS
    assert incident["id"] == "inc1"
    assert incident["name"] == "API unresponsive"
    assert incident["status"] == "identified"
    assert incident["impact"] == "critical"
    assert incident["monitoring_at"] is None
    assert incident["resolved_at"] is None
    assert incident["page_id"] == "pg1"
    for key in ("created_at", "updated_at", "started_at"):
        assert _is_stamp(incident[key])
    assert [c["id"] for c in incident["components"]] == ["api"]
    assert set(incident["components"][0]) == COMPONENT_KEYS


def test_incident_shortlink_points_at_the_incident_on_the_page() -> None:
    incident = statuspage.incidents(make_state())["incidents"][0]
    assert incident["shortlink"] == "https://status.example.com/incidents/inc1"


def test_incident_shortlink_does_not_double_a_trailing_slash() -> None:
    state = make_state(page=replace(PAGE, url="https://status.example.com/"))
    incident = statuspage.incidents(state)["incidents"][0]
    assert incident["shortlink"] == "https://status.example.com/incidents/inc1"


def test_incident_updates_have_statuspage_keys_and_types() -> None:
    update = statuspage.incidents(make_state())["incidents"][0]["incident_updates"][-1]
    assert set(update) == UPDATE_KEYS
    assert update["id"] == "up1"
    assert update["status"] == "investigating"
    assert update["body"].startswith("For still unknown reasons")
    assert update["incident_id"] == "inc1"
    assert update["deliver_notifications"] is True
    assert update["custom_tweet"] is None
    assert update["tweet_id"] is None
    for key in ("created_at", "updated_at", "display_at"):
        assert _is_stamp(update[key])
    assert update["affected_components"] == [
        {"code": "api", "name": "API", "old_status": "operational", "new_status": "major_outage"}
    ]


def test_update_without_affected_components_says_null() -> None:
    update = statuspage.incidents(make_state())["incidents"][0]["incident_updates"][0]
    assert update["affected_components"] is None


def test_incident_updates_come_newest_first_even_if_given_oldest_first() -> None:
    incident = api_incident()
    state = make_state(open_incidents=(replace(incident, updates=incident.updates[::-1]),))
    updates = statuspage.incidents(state)["incidents"][0]["incident_updates"]
    assert [u["id"] for u in updates] == ["up2", "up1"]


def test_incidents_lists_open_and_recent_newest_first() -> None:
    doc = statuspage.incidents(make_state())
    assert set(doc) == {"page", "incidents"}
    assert [i["id"] for i in doc["incidents"]] == ["inc1", "inc0"]
    assert doc["incidents"][1]["resolved_at"] == "2026-11-20T17:23:00.000Z"


def test_unresolved_incidents_leaves_out_resolved_ones() -> None:
    doc = statuspage.unresolved_incidents(make_state())
    assert set(doc) == {"page", "incidents"}
    assert [i["id"] for i in doc["incidents"]] == ["inc1"]


def test_status_and_components_documents_have_only_their_sections() -> None:
    state = make_state()
    assert set(statuspage.status(state)) == {"page", "status"}
    assert set(statuspage.components(state)) == {"page", "components"}


def test_enum_values_are_statuspage_vocabulary() -> None:
    doc = statuspage.summary(make_state())
    incidents = statuspage.incidents(make_state())["incidents"]
    assert doc["status"]["indicator"] in INDICATORS
    assert {c["status"] for c in doc["components"]} <= COMPONENT_STATUSES
    assert {i["status"] for i in incidents} <= INCIDENT_STATUSES
    assert {i["impact"] for i in incidents} <= IMPACTS
    updates = [u for i in incidents for u in i["incident_updates"]]
    assert {u["status"] for u in updates} <= INCIDENT_STATUSES


def test_enum_values_serialize_as_plain_strings() -> None:
    component = statuspage.components(make_state())["components"][0]
    assert type(component["status"]) is str


def test_utc_times_have_milliseconds_and_z() -> None:
    moment = datetime(2021, 10, 28, 11, 39, 27, 351_999, tzinfo=UTC)
    assert statuspage_time(moment, "Etc/UTC") == "2021-10-28T11:39:27.351Z"


def test_zero_offset_zone_in_winter_also_uses_z() -> None:
    moment = datetime(2021, 1, 28, 11, 39, 27, tzinfo=UTC)
    assert statuspage_time(moment, "Europe/London") == "2021-01-28T11:39:27.000Z"


def test_times_are_shown_in_the_page_zone_with_its_offset() -> None:
    summer = datetime(2017, 6, 21, 11, 47, 44, 745_000, tzinfo=UTC)
    winter = datetime(2017, 12, 21, 12, 47, 44, 745_000, tzinfo=UTC)
    assert statuspage_time(summer, "America/Los_Angeles") == "2017-06-21T04:47:44.745-07:00"
    assert statuspage_time(winter, "America/Los_Angeles") == "2017-12-21T04:47:44.745-08:00"


def test_missing_time_stays_null() -> None:
    assert statuspage_time(None, "Etc/UTC") is None


def test_documents_use_the_page_zone_throughout() -> None:
    state = make_state(page=replace(PAGE, time_zone="America/Los_Angeles"))
    incident = statuspage.incidents(state)["incidents"][0]
    assert incident["created_at"] == "2026-11-22T08:10:00.000-08:00"
    assert OFFSET_STAMP.match(incident["incident_updates"][0]["display_at"])


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    ),
    st.sampled_from(["Etc/UTC", "America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin"]),
)
def test_any_time_round_trips_to_the_same_millisecond(moment: datetime, tz: str) -> None:
    text = statuspage_time(moment, tz)
    assert UTC_STAMP.match(text) or OFFSET_STAMP.match(text)
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == moment.astimezone(ZoneInfo(tz)).utcoffset()
    assert timedelta(0) <= moment - parsed < timedelta(milliseconds=1)


def test_dumps_is_compact_utf8_json() -> None:
    state = make_state(page=replace(PAGE, name="Störungsmeldung"))
    raw = statuspage.dumps(statuspage.status(state))
    assert "Störungsmeldung".encode() in raw
    assert b", " not in raw
    assert b": " not in raw
    assert json.loads(raw) == statuspage.status(state)
