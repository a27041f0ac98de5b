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
class AcknowledgementOverdue(DomainEvent):
    receiver_org_id: uuid.UUID
    due: date
