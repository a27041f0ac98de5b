"""The instants at which a referral's clock rings, from its policy and the receiver's calendar."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from relais_referral.domain.calendar import add_working_days, end_of_day, paris_date
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.domain.referral import AWAITING_ANSWER, ReferralStatus


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


class DeadlineKind(StrEnum):
    """What a referral's next deadline is for: the receiver's next move, before a workflow timer rings."""

    ACKNOWLEDGEMENT = "acknowledgement"
    APPOINTMENT = "appointment"
    APPOINTMENT_OUTCOME = "appointment_outcome"
    DECISION = "decision"


DEADLINE_LABELS_FR = {
    DeadlineKind.ACKNOWLEDGEMENT: "accusé de réception",
    DeadlineKind.APPOINTMENT: "rendez-vous d'accueil à fixer",
    DeadlineKind.APPOINTMENT_OUTCOME: "résultat du rendez-vous à saisir",
    DeadlineKind.DECISION: "décision sur l'orientation",
}


@dataclass(frozen=True)
class NextDeadline:
    kind: DeadlineKind
    due: date


class ReferralClock(Protocol):
    """What the deadlines of a referral are computed from: a domain ``Referral`` or its database row."""

    @property
    def status(self) -> str: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def acknowledgement_due(self) -> date: ...
    @property
    def appointment_at(self) -> datetime | None: ...
    @property
    def appointment_outcome(self) -> str | None: ...
    @property
    def outcome_recorded_at(self) -> datetime | None: ...
    @property
    def training_session_id(self) -> uuid.UUID | None: ...


def next_deadline(
    referral: ReferralClock, policy: ReferralPolicy, departement: str, today: date
) -> NextDeadline | None:
    """The receiver's next deadline on an open referral, on its receiver's calendar (``departement``);
    ``None`` when no clock runs (closed, or a training seat waitlisted). Mirrors what the
    ``ReferralWorkflow`` rings (service_layer/timers.py gives it the same instants):

    - sent, not acknowledged: the acknowledgement is due (``acknowledgement_due``);
    - acknowledged, no appointment ever fixed: the "no answer" clock runs: the coordination is alerted at
      the end of ``coordination_escalation_days`` (the appointment is due then), and once that day is past
      the referral expires at ``expiry_days``;
    - appointment fixed, outcome not in: the outcome is due the day after (``appointment_outcome_days``);
    - an outcome recorded (seen, or a no-show to re-invite): the decision is due ``decision_days`` later
      (the workflow alerts the coordination then); with a new appointment fixed meanwhile, the earlier of
      the two is next.
    """
    status = ReferralStatus(referral.status)
    if status is ReferralStatus.SUBMITTED:
        return NextDeadline(DeadlineKind.ACKNOWLEDGEMENT, referral.acknowledgement_due)
    if status not in (ReferralStatus.ACKNOWLEDGED, ReferralStatus.APPOINTMENT_SCHEDULED):
        return None
    ahead: list[NextDeadline] = []
    if (
        status is ReferralStatus.APPOINTMENT_SCHEDULED
        and referral.appointment_at
        and not referral.appointment_outcome
    ):
        ahead.append(
            NextDeadline(
                DeadlineKind.APPOINTMENT_OUTCOME,
                appointment_outcome_due_on(paris_date(referral.appointment_at), policy, departement),
            )
        )
    if referral.outcome_recorded_at is not None:
        ahead.append(
            NextDeadline(
                DeadlineKind.DECISION,
                decision_due_on(paris_date(referral.outcome_recorded_at), policy, departement),
            )
        )
    elif (
        status in AWAITING_ANSWER and referral.appointment_at is None and referral.training_session_id is None
    ):
        # A training seat on a waitlist (acknowledged by the training service) has no "no answer" clock.
        submitted_on = paris_date(referral.submitted_at)
        escalation = add_working_days(submitted_on, policy.coordination_escalation_days, departement)
        due = escalation if today <= escalation else expires_on(submitted_on, policy, departement)
        ahead.append(NextDeadline(DeadlineKind.APPOINTMENT, due))
    return min(ahead, key=lambda deadline: deadline.due, default=None)
