"""Domain events recorded by aggregates; mapped explicitly to integration events before leaving."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from relais_referral.domain.jobseeker import EqualityAxes

if TYPE_CHECKING:  # escalation imports the referral, which imports these events
    from relais_referral.domain.escalation import EscalationLevel


@dataclass(frozen=True)
class DomainEvent:
    referral_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class ReferralSubmitted(DomainEvent):
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    acknowledgement_due: date
    receiver_departement: str
    axes: EqualityAxes  # categorical only: what the equality monitoring counts by
    training_session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ReferralAcknowledged(DomainEvent):
    by_org_id: uuid.UUID


@dataclass(frozen=True)
class AppointmentScheduled(DomainEvent):
    receiver_org_id: uuid.UUID
    appointment_at: datetime
    outcome_due_at: datetime


@dataclass(frozen=True)
class AppointmentOutcomeRecorded(DomainEvent):
    receiver_org_id: uuid.UUID
    outcome: str
    no_shows: int
    appointment_at: datetime | None = None  # the appointment the outcome is about


@dataclass(frozen=True)
class ReferralAccepted(DomainEvent):
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID


@dataclass(frozen=True)
class ReferralReturnedToSender(DomainEvent):
    """Refused, expired or repeated no-show: the case goes back to the sender (never a dead end)."""

    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: str
    reason_code: str | None
    reason_shared_with_jobseeker: bool
    reorient_due: date


@dataclass(frozen=True)
class ReferralWithdrawn(DomainEvent):
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID


@dataclass(frozen=True)
class ReferralMadeObsolete(DomainEvent):
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    cause: str


@dataclass(frozen=True)
class ReferralClosed(DomainEvent):
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    outcome: str


@dataclass(frozen=True)
class ReferralEscalated(DomainEvent):
    """A deadline passed: who is told depends on the level (``domain.escalation``)."""

    receiver_org_id: uuid.UUID
    level: EscalationLevel


# ---------------------------------------------------------------------------------------------- journeys
@dataclass(frozen=True)
class JourneyEvent:
    """What happened to a person's journey. ``event_id`` is set when the cause fixes the published id
    (a partner's event, a workflow step), so that a redelivery publishes nothing new."""

    jobseeker_id: uuid.UUID
    occurred_at: datetime
    event_id: uuid.UUID | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class ReferentChanged(JourneyEvent):
    previous_referent_org_id: uuid.UUID | None
    referent_org_id: uuid.UUID | None
    cause: str  # referral_accepted | assigned_by_coordination | released


@dataclass(frozen=True)
class LifeEventRecorded(JourneyEvent):
    kind: str
    contract_type: str | None
    weekly_hours: float | None


@dataclass(frozen=True)
class PactExited(JourneyEvent):
    outcome: str
    referent_org_id: uuid.UUID | None


@dataclass(frozen=True)
class ExitFollowedUp(JourneyEvent):
    """The référent recorded the person's situation ``horizon_months`` after their exit (replaces an
    earlier answer for that horizon)."""

    horizon_months: int
    situation: str
    exited_at: datetime
    referent_org_id: uuid.UUID


@dataclass(frozen=True)
class PersonUnaccompanied(JourneyEvent):
    since: date
    working_days: int
