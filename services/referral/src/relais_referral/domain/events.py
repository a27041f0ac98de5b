"""Domain events recorded by aggregates; mapped explicitly to integration events before leaving."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


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
    age_band: str | None
    qpv_resident: bool | None


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
    """A deadline passed without an answer: reminder, manager escalation or pact coordination."""

    receiver_org_id: uuid.UUID
    level: str
