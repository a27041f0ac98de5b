"""Integration events published by the referral service (contracts in ``contracts/events/referral``).

No personal data: a jobseeker travels as an opaque id plus categorical attributes only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from relais_shared.envelope import EventData, EventRegistry

TOPIC = "relais.referral.events"
registry = EventRegistry()

AgeBand = Literal["under_26", "26_49", "50_plus"]


class _ReferralEvent(EventData):
    source: ClassVar[str] = "referral"
    topic: ClassVar[str] = TOPIC
    referral_id: uuid.UUID

    def subject(self) -> str:
        return str(self.referral_id)


@registry.register
class ReferralSubmittedV1(_ReferralEvent):
    """A counsellor referred a jobseeker to another organisation (orientation envoyée)."""

    event_type: ClassVar[str] = "referral.submitted.v1"
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    submitted_at: datetime
    acknowledgement_due: date = Field(description="Last working day for the acknowledgement")
    receiver_departement: str = Field(pattern=r"^(\d{2}|2[AB]|97\d)$")
    age_band: AgeBand | None = None
    qpv_resident: bool | None = None


@registry.register
class ReferralAcknowledgedV1(_ReferralEvent):
    """The receiving organisation confirmed it received the referral (accusé de réception)."""

    event_type: ClassVar[str] = "referral.acknowledged.v1"
    receiver_org_id: uuid.UUID
    acknowledged_at: datetime


@registry.register
class ReferralAcknowledgementOverdueV1(_ReferralEvent):
    """The acknowledgement deadline passed without an answer (relance / escalade à venir)."""

    event_type: ClassVar[str] = "referral.acknowledgement_overdue.v1"
    receiver_org_id: uuid.UUID
    due: date
    detected_at: datetime
