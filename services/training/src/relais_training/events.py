"""Integration events published by the training service (contracts first: the service is built later).

The referral service consumes them: a confirmation takes in charge the referral that asked for the seat
(``referral_id``); an abandonment or a cancellation sends the person back to their counsellor, who gets a
re-orientation task. Opaque ids and codes only: nothing that names the person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from relais_shared.envelope import EventData, EventRegistry

TOPIC = "relais.training.events"
# session_unavailable: a referral asked for a seat in a session already finished or cancelled;
# session_started: in a session already started (it takes nobody new from its first day);
# waitlist_closed: the person still waited for a seat when the session started or finished.
CancelCause = Literal[
    "withdrawn", "session_cancelled", "session_unavailable", "session_started", "waitlist_closed"
]
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
    referral_id: uuid.UUID | None = None  # the referral that asked for the seat, if any

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
class EnrolmentWaitlistedV1(_EnrolmentEvent):
    """The session is full: the person waits for a seat (``position`` 1 is the next one to free). The
    referral asking for it has its answer from the provider: it is acknowledged, not left unanswered. The
    wait ends with a confirmation (a seat freed) or a cancellation (``waitlist_closed`` when the session
    starts, ``session_cancelled``)."""

    event_type: ClassVar[str] = "training.enrolment_waitlisted.v1"
    provider_org_id: uuid.UUID
    referral_id: uuid.UUID | None = None
    position: int
    starts_on: date
    waitlisted_at: datetime


@registry.register
class EnrolmentCancelledV1(_EnrolmentEvent):
    """The enrolment ends before the training: withdrawn, the session itself was cancelled, or it could
    not take the request (the person goes back to their counsellor)."""

    event_type: ClassVar[str] = "training.enrolment_cancelled.v1"
    cause: CancelCause
    cancelled_at: datetime
    referral_id: uuid.UUID | None = None  # the referral that asked for the seat, if any


@registry.register
class EnrolmentCompletedV1(_EnrolmentEvent):
    """The trainee went to the end of the session, with or without the certification."""

    event_type: ClassVar[str] = "training.enrolment_completed.v1"
    certified: bool
    completed_at: datetime
