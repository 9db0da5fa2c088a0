"""The publication policy: when an outage's automatic incident goes public (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.incidents import IncidentAction, is_trouble
from hiccup.core.publication import (
    IncidentMode,
    PublishPolicy,
    plan_auto_incident,
    resolve_policy,
)
from hiccup.core.status import ComponentStatus

T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
DOWN, UP = ComponentStatus.MAJOR_OUTAGE, ComponentStatus.OPERATIONAL
statuses = st.sampled_from(list(ComponentStatus))
offsets = st.integers(min_value=0, max_value=3600).map(lambda s: timedelta(seconds=s))
policies = st.builds(PublishPolicy, st.sampled_from(list(IncidentMode)), offsets)


def test_the_default_waits_a_few_minutes() -> None:
    assert PublishPolicy() == PublishPolicy(IncidentMode.AUTO, timedelta(minutes=5))


def test_a_component_setting_wins_over_the_page_and_zero_is_a_setting() -> None:
    page = PublishPolicy(IncidentMode.AUTO, timedelta(minutes=5))
    assert resolve_policy(page, None, None) == page
    assert resolve_policy(page, IncidentMode.MANUAL, None).mode is IncidentMode.MANUAL
    assert resolve_policy(page, None, timedelta(0)).publish_after == timedelta(0)


def test_a_new_outage_waits_for_its_deadline() -> None:
    plan = plan_auto_incident(
        PublishPolicy(),
        has_open=False,
        previous=UP,
        current=DOWN,
        started_at=T0,
        remembered_since=None,
        now=T0 + timedelta(minutes=2),
    )
    assert plan.action is IncidentAction.NONE
    assert (plan.trouble_since, plan.publish_due_at) == (T0, T0 + timedelta(minutes=5))


def test_the_deadline_opens_it_dated_from_the_start_of_the_trouble() -> None:
    plan = plan_auto_incident(
        PublishPolicy(),
        has_open=False,
        previous=DOWN,
        current=DOWN,
        started_at=T0 + timedelta(minutes=4),
        remembered_since=T0,
        now=T0 + timedelta(minutes=5),
    )
    assert plan.action is IncidentAction.OPEN
    assert (plan.trouble_since, plan.publish_due_at) == (T0, None)


def test_an_outage_that_ends_first_leaves_nothing_to_publish() -> None:
    plan = plan_auto_incident(
        PublishPolicy(),
        has_open=False,
        previous=DOWN,
        current=UP,
        started_at=T0 + timedelta(minutes=3),
        remembered_since=T0,
        now=T0 + timedelta(minutes=3),
    )
    assert plan == type(plan)(IncidentAction.NONE, None, None)


@given(policies, statuses, statuses, offsets, offsets)
def test_an_incident_opens_only_in_auto_mode_after_publish_after(
    policy: PublishPolicy,
    previous: ComponentStatus,
    current: ComponentStatus,
    lasted: timedelta,
    remembered_ago: timedelta,
) -> None:
    now = T0 + lasted
    plan = plan_auto_incident(
        policy,
        has_open=False,
        previous=previous,
        current=current,
        started_at=now,
        remembered_since=now - remembered_ago,
        now=now,
    )
    if plan.action is IncidentAction.OPEN:
        assert policy.mode is IncidentMode.AUTO
        assert is_trouble(current)
        assert remembered_ago >= policy.publish_after
    assert plan.action in (IncidentAction.OPEN, IncidentAction.NONE)


@given(policies, statuses, statuses, offsets, st.booleans(), st.booleans())
def test_a_deadline_is_kept_only_for_trouble_with_no_incident_yet(
    policy: PublishPolicy,
    previous: ComponentStatus,
    current: ComponentStatus,
    ago: timedelta,
    has_open: bool,
    remembered: bool,
) -> None:
    plan = plan_auto_incident(
        policy,
        has_open=has_open,
        previous=previous,
        current=current,
        started_at=T0,
        remembered_since=T0 - ago if remembered else None,
        now=T0,
    )
    assert (plan.trouble_since is not None) == is_trouble(current)
    if plan.publish_due_at is not None:
        assert not has_open
        assert policy.mode is IncidentMode.AUTO
        assert plan.publish_due_at > T0
        assert plan.trouble_since is not None
        assert plan.publish_due_at == plan.trouble_since + policy.publish_after


@given(policies, statuses, statuses)
def test_an_open_incident_is_followed_whatever_the_policy(
    policy: PublishPolicy, previous: ComponentStatus, current: ComponentStatus
) -> None:
    plan = plan_auto_incident(
        policy,
        has_open=True,
        previous=previous,
        current=current,
        started_at=T0,
        remembered_since=T0,
        now=T0,
    )
    assert plan.action is not IncidentAction.OPEN
    assert plan.publish_due_at is None
    if not is_trouble(current):
        assert plan.action is IncidentAction.RESOLVE


steps = st.lists(
    st.tuples(st.integers(min_value=1, max_value=900), statuses), min_size=1, max_size=30
)


@given(steps, st.integers(min_value=0, max_value=1200))
def test_an_incident_opens_exactly_for_trouble_that_lasted_publish_after(
    changes: list[tuple[int, ComponentStatus]], wait: int
) -> None:
    """Replays status changes as the service sees them, with the stored deadline firing when
    no change comes first: each stretch of trouble gets an incident, dated from its start,
    if and only if it lasted `publish_after`."""
    policy = PublishPolicy(IncidentMode.AUTO, timedelta(seconds=wait))
    now, current, opened_at = T0, UP, None
    since: datetime | None = None
    due: datetime | None = None
    stretches: list[tuple[datetime, datetime | None]] = []
    published: list[datetime] = []
    for gap, status in changes:
        now += timedelta(seconds=gap)
        if due is not None and due <= now:  # the deadline passes before this change arrives
            plan = plan_auto_incident(
                policy,
                has_open=False,
                previous=current,
                current=current,
                started_at=due,
                remembered_since=since,
                now=due,
            )
            assert plan.action is IncidentAction.OPEN
            opened_at, due = due, None
            published.append(opened_at)
        plan = plan_auto_incident(
            policy,
            has_open=opened_at is not None,
            previous=current,
            current=status,
            started_at=now,
            remembered_since=since,
            now=now,
        )
        if since is None and plan.trouble_since is not None:
            stretches.append((now, None))
        if since is not None and plan.trouble_since is None:
            stretches[-1] = (stretches[-1][0], now)
        if plan.action is IncidentAction.OPEN:
            opened_at = now
            published.append(now)
        if plan.action is IncidentAction.RESOLVE:
            opened_at = None
        current, since, due = status, plan.trouble_since, plan.publish_due_at
    lasted = [
        start + policy.publish_after
        for start, end in stretches
        if (end or now) - start >= policy.publish_after and (end is not None or due is None)
    ]
    assert published == lasted
