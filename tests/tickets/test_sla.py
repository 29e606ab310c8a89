"""First-response due times on the tenant's business clock (SPEC T-7)."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from accounts.models import TenantPolicy
from tests.accounts.factories import HolidayFactory
from tickets import services
from tickets.models import Priority
from tickets.sla import BusinessClock, first_response_due

UTC = datetime.UTC
ROME = ZoneInfo("Europe/Rome")
HOUR = datetime.timedelta(hours=1)


def clock(zone=UTC, holidays=(), weekdays=(0, 1, 2, 3, 4), start=9, end=18) -> BusinessClock:
    return BusinessClock(zone, datetime.time(start), datetime.time(end), frozenset(weekdays),
                         frozenset(holidays))


def at(day: int, hour: int, minute: int = 0, month: int = 3, zone=UTC) -> datetime.datetime:
    """A moment in 2026; 2 March 2026 is a Monday."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=zone)


def test_business_hours_within_one_day():
    assert clock().add(at(3, 10), 2 * HOUR) == at(3, 12)


def test_a_friday_evening_request_is_due_on_monday():
    assert clock().add(at(6, 17), 2 * HOUR) == at(9, 10)


def test_holidays_are_skipped():
    monday = datetime.date(2026, 3, 9)
    assert clock(holidays=[monday]).add(at(6, 17), 2 * HOUR) == at(10, 10)


def test_an_evening_start_counts_from_the_next_morning():
    assert clock().add(at(3, 20, 30), 4 * HOUR) == at(4, 13)


def test_a_start_before_opening_counts_from_opening():
    assert clock().add(at(3, 7), 2 * HOUR) == at(3, 11)


def test_a_start_at_closing_time_counts_from_the_next_morning():
    assert clock().add(at(3, 18), HOUR) == at(4, 10)


def test_a_weekend_start_counts_from_monday_morning():
    assert clock().add(at(7, 12), 30 * datetime.timedelta(minutes=1)) == at(9, 9, 30)


def test_business_hours_follow_the_tenants_zone():
    # 9:00 in Rome is 8:00 UTC in winter.
    assert clock(ROME).add(at(3, 7, zone=UTC), HOUR) == at(3, 10, zone=ROME)


def test_spring_dst_change_in_rome():
    # Clocks go forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2.
    due = clock(ROME).add(at(27, 17, zone=ROME), 2 * HOUR)
    assert due == at(30, 10, zone=ROME)
    assert due == datetime.datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_autumn_dst_change_in_rome():
    # Clocks go back on Sunday 25 October 2026: Friday is UTC+2, Monday UTC+1.
    due = clock(ROME).add(at(23, 17, month=10, zone=ROME), 2 * HOUR)
    assert due == at(26, 10, month=10, zone=ROME)
    assert due == datetime.datetime(2026, 10, 26, 9, tzinfo=UTC)


@pytest.fixture
def policy(tenant):
    return tenant.policy


def due(policy, submitted_at, priority, hotrush=False, business=None):
    return first_response_due(policy=policy, clock=business or clock(), priority=priority,
                              submitted_at=submitted_at, hotrush=hotrush)


def test_minor_is_one_business_day_of_nine_hours(policy):
    assert clock().day_length == 9 * HOUR
    assert due(policy, at(2, 9), Priority.MINOR) == at(2, 18)
    assert due(policy, at(2, 14), Priority.MINOR) == at(3, 14)
    assert due(policy, at(6, 14), Priority.MINOR) == at(9, 14)


def test_major_and_normal_are_business_hours(policy):
    assert due(policy, at(6, 17), Priority.MAJOR) == at(9, 10)
    assert due(policy, at(6, 17), Priority.NORMAL) == at(9, 12)


def test_hotrush_is_two_calendar_hours_even_at_the_weekend(policy):
    saturday_night = at(7, 23)
    for priority in Priority:
        assert due(policy, saturday_night, priority, hotrush=True) == at(8, 1)


def test_sla_targets_are_tenant_settings(policy):
    policy.sla_major_business_hours, policy.hotrush_response_hours = 5, 1
    assert due(policy, at(2, 9), Priority.MAJOR) == at(2, 14)
    assert due(policy, at(2, 9), Priority.MAJOR, hotrush=True) == at(2, 10)


def test_a_calendar_without_business_days_raises():
    with pytest.raises(ValueError, match="no business hours"):
        clock(weekdays=()).add(at(2, 9), HOUR)


def test_a_tenant_without_weekdays_cannot_compute_a_due_time(tenant):
    tenant.policy.business_weekdays = []
    tenant.policy.save()
    with pytest.raises(ValueError, match="no business hours"):
        due(tenant.policy, at(2, 9), Priority.NORMAL, business=services.business_clock(tenant))
    assert due(tenant.policy, at(2, 9), Priority.NORMAL, hotrush=True,
               business=services.business_clock(tenant)) == at(2, 11)


def test_a_calendar_of_holidays_only_raises():
    every_day = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(4000)]
    with pytest.raises(ValueError, match="no business hours"):
        clock(holidays=every_day).add(at(2, 9), HOUR)


def test_the_tenants_clock_uses_its_own_zone_hours_and_holidays(tenant, other_tenant):
    policy = tenant.policy
    policy.time_zone = "Europe/Rome"
    policy.business_day_start, policy.business_day_end = datetime.time(8), datetime.time(17)
    policy.save()
    HolidayFactory(tenant=tenant, date=datetime.date(2026, 3, 9))
    HolidayFactory(tenant=other_tenant, date=datetime.date(2026, 3, 10))
    business = services.business_clock(tenant)
    assert business.add(at(6, 16, zone=ROME), 2 * HOUR) == at(10, 9, zone=ROME)


def test_the_policy_refuses_a_week_without_business_days(tenant):
    """A tenant with no business weekday would make every due time fail (ValueError)."""
    policy = TenantPolicy.objects.get(pk=tenant.pk)
    policy.business_weekdays = []
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "business_weekdays" in refused.value.message_dict
