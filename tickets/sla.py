"""First-response due times on the tenant's business clock (T-7). Pure functions, no ORM."""
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .models import Priority

UTC = datetime.UTC
MAX_DAYS = 3660  # a calendar with no business day at all would otherwise loop forever


@dataclass(frozen=True)
class BusinessClock:
    """A tenant's business hours: weekdays (0 = Monday), a daily window, holidays."""

    zone: ZoneInfo
    day_start: datetime.time
    day_end: datetime.time
    weekdays: frozenset[int]
    holidays: frozenset[datetime.date]

    @classmethod
    def of(cls, policy, holidays) -> "BusinessClock":
        return cls(ZoneInfo(policy.time_zone), policy.business_day_start, policy.business_day_end,
                   frozenset(policy.business_weekdays), frozenset(holidays))

    @property
    def day_length(self) -> datetime.timedelta:
        start = datetime.datetime.combine(datetime.date.min, self.day_start)
        return datetime.datetime.combine(datetime.date.min, self.day_end) - start

    def add(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment ``duration`` of business time after ``start`` (aware), in UTC."""
        remaining = duration
        day = start.astimezone(self.zone).date()
        cursor = start.astimezone(UTC)
        for _ in range(MAX_DAYS):
            if day.weekday() in self.weekdays and day not in self.holidays:
                opens = datetime.datetime.combine(day, self.day_start, self.zone).astimezone(UTC)
                closes = datetime.datetime.combine(day, self.day_end, self.zone).astimezone(UTC)
                cursor = max(cursor, opens)
                if cursor < closes:
                    if cursor + remaining <= closes:
                        return cursor + remaining
                    remaining -= closes - cursor
            day += datetime.timedelta(days=1)
        raise ValueError("the business calendar has no business hours")


def first_response_due(*, policy, clock: BusinessClock, submitted_at: datetime.datetime,
                       priority: str, hotrush: bool) -> datetime.datetime:
    """When staff must first answer: HotRush in calendar hours, the rest in business time."""
    if hotrush:
        return submitted_at + datetime.timedelta(hours=policy.hotrush_response_hours)
    business = {
        Priority.MAJOR: datetime.timedelta(hours=policy.sla_major_business_hours),
        Priority.NORMAL: datetime.timedelta(hours=policy.sla_normal_business_hours),
        Priority.MINOR: clock.day_length * policy.sla_minor_business_days,
    }[Priority(priority)]
    return clock.add(submitted_at, business)
