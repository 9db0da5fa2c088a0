"""maintenance.ics: an iCalendar feed any calendar can subscribe to, read back by icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Component

from hiccup.snapshot.feeds import render_ics
from hiccup.snapshot.look import DEFAULT_LOOK
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state


def events() -> list[Component]:
    calendar = Calendar.from_ical(render_ics(site_state(), DEFAULT_LOOK))
    assert calendar["version"] == "2.0"
    assert "Hiccup" in str(calendar["prodid"])
    return list(calendar.walk("VEVENT"))


def test_every_window_is_an_event_soonest_first() -> None:
    summaries = [str(e["summary"]) for e in events()]
    assert summaries == [
        "Maintenance: Cache purge on flexo",
        "Maintenance: Kernel upgrade on amy",
        "Maintenance: Database failover test",
    ]


def test_events_carry_the_window_in_utc() -> None:
    upcoming = next(e for e in events() if "failover" in str(e["summary"]))
    start, end = upcoming.decoded("dtstart"), upcoming.decoded("dtend")
    assert start == (NOW + timedelta(days=2)).replace(microsecond=0)  # iCalendar has seconds
    assert end - start == timedelta(minutes=30)
    assert start.utcoffset() == timedelta(0)


def test_uids_are_stable_and_unique_so_calendars_update_in_place() -> None:
    uids = [str(e["uid"]) for e in events()]
    assert len(set(uids)) == 3
    assert uids == [str(e["uid"]) for e in events()]


def test_description_is_the_latest_update_and_url_points_at_the_window() -> None:
    done = next(e for e in events() if "Cache purge" in str(e["summary"]))
    assert "about five minutes" in str(done["description"])
    assert str(done["url"]) == "https://status.example.com/maintenance/mw-done"


def test_no_clock_in_the_output_so_the_etag_holds() -> None:
    first = render_ics(site_state(), DEFAULT_LOOK)
    assert first == render_ics(site_state(), DEFAULT_LOOK)
    stamp = next(e for e in events()).decoded("dtstamp")
    assert stamp < datetime(2026, 11, 23, tzinfo=UTC)
