"""Working days: French public holidays per département (the ``holidays`` package).

Deadlines of the referral rules are counted in working days (jours ouvrés: Monday to Friday, public
holidays excluded). Alsace-Moselle and the overseas départements have holidays of their own.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")

# The ``holidays`` package names some subdivisions differently from the département code.
_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@lru_cache(maxsize=64)
def _holidays(departement: str, year: int) -> frozenset[date]:
    calendar = holidays.France(years=year, subdiv=_SUBDIVISIONS.get(departement))
    return frozenset(calendar.keys())


def is_working_day(day: date, departement: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(departement, day.year)


def add_working_days(start: date, days: int, departement: str) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, departement):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, departement: str) -> int:
    """Signed count of working days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    step = 1 if end >= start else -1
    count, day = 0, start
    while day != end:
        day += timedelta(days=step)
        if is_working_day(day, departement):
            count += step
    return count


def paris_date(moment: datetime) -> date:
    """The calendar day of an instant in France (metropolitan): deadlines count from it, not from UTC's."""
    return moment.astimezone(PARIS).date()


def end_of_day(day: date) -> datetime:
    """A deadline day ends at midnight, Paris time (overseas départements share it for simplicity)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=PARIS)
