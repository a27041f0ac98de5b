"""The instants at which a referral's clock rings, from its policy and the receiver's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from relais_referral.domain.calendar import add_working_days, end_of_day
from relais_referral.domain.policy import ReferralPolicy


@dataclass(frozen=True)
class ReferralDeadlines:
    """Each deadline is the end (midnight, Paris) of the n-th working day after submission."""

    reminder_at: datetime
    manager_escalation_at: datetime
    coordination_escalation_at: datetime
    expiry_at: datetime


def receiver_calendar(receiver_departement: str | None, default_departement: str) -> str:
    """The département whose working days every deadline of a referral counts: its receiver's, whichever
    side looks (the sender's outgoing queue too); the ``default_departement`` setting stands in for a
    receiver whose directory entry has none."""
    return receiver_departement or default_departement


def acknowledgement_due_on(submitted_on: date, policy: ReferralPolicy, departement: str) -> date:
    return add_working_days(submitted_on, policy.acknowledgement_days, departement)


def referral_deadlines(submitted_on: date, policy: ReferralPolicy, departement: str) -> ReferralDeadlines:
    def at(days: int) -> datetime:
        return end_of_day(add_working_days(submitted_on, days, departement))

    return ReferralDeadlines(
        reminder_at=at(policy.reminder_days),
        manager_escalation_at=at(policy.manager_escalation_days),
        coordination_escalation_at=at(policy.coordination_escalation_days),
        expiry_at=end_of_day(expires_on(submitted_on, policy, departement)),
    )


def appointment_outcome_due_on(appointment_on: date, policy: ReferralPolicy, departement: str) -> date:
    """The day the outcome of an appointment (seen, no-show, excused) is due: by default the next working
    day of the *receiver's* calendar. The one place this rule lives: the workflow's timer, the e-mails
    and the work queues all ask here."""
    return add_working_days(appointment_on, policy.appointment_outcome_days, departement)


def appointment_outcome_due(appointment_on: date, policy: ReferralPolicy, departement: str) -> datetime:
    """The instant the outcome is late: the end (midnight, Paris) of its due day."""
    return end_of_day(appointment_outcome_due_on(appointment_on, policy, departement))


def decision_due_on(outcome_on: date, policy: ReferralPolicy, departement: str) -> date:
    """After an appointment's outcome is in (seen, or a no-show awaiting re-invitation), the day by which
    the receiver must decide (accept, refuse or invite again), on the *receiver's* calendar; after it the
    pact coordination is alerted."""
    return add_working_days(outcome_on, policy.decision_days, departement)


def decision_due(outcome_on: date, policy: ReferralPolicy, departement: str) -> datetime:
    return end_of_day(decision_due_on(outcome_on, policy, departement))


def expires_on(submitted_on: date, policy: ReferralPolicy, departement: str) -> date:
    """The day a referral left without any answer expires (``ReferralDeadlines.expiry_at`` ends it)."""
    return add_working_days(submitted_on, policy.expiry_days, departement)


def add_months(day: date, months: int) -> date:
    """Outcome follow-ups at +3, +6 and +12 months; the 31st becomes the month's last day."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
