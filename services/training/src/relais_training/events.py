"""Integration events published by the training service (contracts first: the service is built later).

``training.enrolment_abandoned.v1`` is consumed by the referral service: abandoning a training calls
for a re-orientation in the person's journey.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from relais_shared.envelope import EventData, EventRegistry

TOPIC = "relais.training.events"
registry = EventRegistry()


@registry.register
class EnrolmentAbandonedV1(EventData):
    """A trainee abandoned a training session before its end (abandon de formation)."""

    event_type: ClassVar[str] = "training.enrolment_abandoned.v1"
    source: ClassVar[str] = "training"
    topic: ClassVar[str] = TOPIC
    enrolment_id: uuid.UUID
    jobseeker_id: uuid.UUID
    session_id: uuid.UUID
    abandoned_at: datetime
    reason_code: Literal["health", "family", "mobility", "hired", "lack_of_motivation", "other"]

    def subject(self) -> str:
        return str(self.enrolment_id)


class _EnrolmentEvent(EventData):
    source: ClassVar[str] = "training"
    topic: ClassVar[str] = TOPIC
    enrolment_id: uuid.UUID
    jobseeker_id: uuid.UUID
    session_id: uuid.UUID

    def subject(self) -> str:
        return str(self.enrolment_id)


@registry.register
class EnrolmentConfirmedV1(_EnrolmentEvent):
    """A seat is the person's (at once, or promoted from the waitlist): the referral asking for it is taken
    in charge."""

    event_type: ClassVar[str] = "training.enrolment_confirmed.v1"
    provider_org_id: uuid.UUID
    referral_id: uuid.UUID | None = None
    starts_on: date
    promoted_from_waitlist: bool = False
    confirmed_at: datetime


@registry.register
class EnrolmentCancelledV1(_EnrolmentEvent):
    """The enrolment ends before the training: withdrawn, or the session itself was cancelled (the person
    goes back to their counsellor)."""

    event_type: ClassVar[str] = "training.enrolment_cancelled.v1"
    cause: Literal["withdrawn", "session_cancelled"]
    cancelled_at: datetime


@registry.register
class EnrolmentCompletedV1(_EnrolmentEvent):
    """The trainee went to the end of the session, with or without the certification."""

    event_type: ClassVar[str] = "training.enrolment_completed.v1"
    certified: bool
    completed_at: datetime
