"""What the obligation monitor decides on a given day, from the contract's facts (pure).

- a reporting period's declaration is due ``grace_days`` after the period ends; a work contract running
  in that period with no hours declared for it then raises one reminder to the contractor;
- the obligation turns at risk on the first day its pace no longer reaches the requirement;
- ``grace_days`` after the end of the contract, the obligation is reconciled.
The monitor wakes on the earliest of these dates.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from dateutil.relativedelta import relativedelta

K = TypeVar("K", bound=Hashable)


def next_period(period: date, reporting_period: str) -> date:
    return period + relativedelta(months=3 if reporting_period == "quarter" else 1)


def period_of(day: date, reporting_period: str) -> date:
    if reporting_period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def declaration_due(period: date, reporting_period: str, grace_days: int) -> date:
    """The last day to declare a period: ``grace_days`` after the period ends."""
    return next_period(period, reporting_period) - timedelta(days=1) + timedelta(days=grace_days)


@dataclass(frozen=True)
class WorkSpan:
    starts_on: date
    ends_on: date | None


def periods_due(
    *, starts_on: date, ends_on: date, reporting_period: str, grace_days: int, today: date
) -> list[date]:
    """Every period of the contract whose declaration is due by ``today``."""
    periods = []
    period = period_of(starts_on, reporting_period)
    while period <= ends_on and declaration_due(period, reporting_period, grace_days) <= today:
        periods.append(period)
        period = next_period(period, reporting_period)
    return periods


def works_in(span: WorkSpan, period: date, reporting_period: str) -> bool:
    end = next_period(period, reporting_period) - timedelta(days=1)
    return span.starts_on <= end and (span.ends_on is None or span.ends_on >= period)


def undeclared(
    work: Mapping[K, WorkSpan], declared: Set[tuple[K, date]], period: date, reporting_period: str
) -> list[K]:
    """The work contracts running in ``period`` with no hours declared for it: what a reminder is about,
    and what keeps a reminded period overdue until it is declared."""
    return [
        key
        for key, span in work.items()
        if works_in(span, period, reporting_period) and (key, period) not in declared
    ]


def next_wake(
    *,
    starts_on: date,
    ends_on: date,
    reporting_period: str,
    grace_days: int,
    today: date,
    at_risk_on: date | None,
) -> date:
    """The next day the monitor has something to decide."""
    candidates = [ends_on + timedelta(days=grace_days)]
    period = period_of(max(starts_on, today), reporting_period)
    for _ in range(3):  # the next due date after today
        due = declaration_due(period, reporting_period, grace_days)
        if due > today:
            candidates.append(due)
            break
        period = next_period(period, reporting_period)
    if at_risk_on is not None and at_risk_on > today:
        candidates.append(at_risk_on)
    return (
        min(d for d in candidates if d > today)
        if any(d > today for d in candidates)
        else today + timedelta(days=1)
    )
