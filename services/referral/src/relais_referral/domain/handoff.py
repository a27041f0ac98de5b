"""How referral events move the journey: one pure function shared by the service layer and the tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from relais_referral.domain.events import (
    AppointmentOutcomeRecorded,
    AppointmentScheduled,
    DomainEvent,
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralClosed,
    ReferralMadeObsolete,
    ReferralReturnedToSender,
    ReferralSubmitted,
    ReferralWithdrawn,
)
from relais_referral.domain.journey import Journey, JourneyEntry


def apply_to_journey(
    journey: Journey, event: DomainEvent, *, now: datetime, unaccompanied_due: date
) -> list[uuid.UUID]:
    """Updates the journey for one referral event; returns referrals the event makes obsolete."""
    match event:
        case ReferralSubmitted():
            journey.referral_submitted(event.referral_id, event.sender_org_id, event.receiver_org_id, now)
        case ReferralAccepted():
            return journey.referral_accepted(event.referral_id, now)
        case ReferralReturnedToSender():
            journey.referral_returned(
                event.referral_id,
                event.status,
                reorient_due=event.reorient_due,
                unaccompanied_due=unaccompanied_due,
                now=now,
                detail=event.reason_code,
            )
        case ReferralAcknowledged() | AppointmentScheduled():
            journey.referral_answered(event.referral_id)
        case AppointmentOutcomeRecorded():
            journey.appointment_outcome_recorded(event.referral_id)
        case ReferralWithdrawn():
            journey.referral_ended(event.referral_id, "withdrawn", now, unaccompanied_due)
        case ReferralMadeObsolete():
            journey.referral_ended(event.referral_id, "obsolete", now, unaccompanied_due)
        case ReferralClosed():
            journey.history.append(
                JourneyEntry(now, "referral_closed", event.receiver_org_id, event.referral_id, event.outcome)
            )
    return []
