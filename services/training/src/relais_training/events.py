"""Integration events published by the training service (contracts first: the service is built later).

``training.enrolment_abandoned.v1`` is consumed by the referral service: abandoning a training calls
for a re-orientation in the person's journey.
"""

from __future__ import annotations

import uuid
from datetime import datetime
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
