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
from relais_referral.domain.journey import Journey


def apply_to_journey(
    journey: Journey,
    event: DomainEvent,
    *,
    now: datetime,
    unaccompanied_due: date,
    receiver_takes_over: bool = True,
) -> list[uuid.UUID]:
    """Updates the journey for one referral event, with a line in its history (ids, organisations and
    codes only: no free text); returns the referrals the event makes obsolete. ``receiver_takes_over``:
    whether the referral's receiver becomes référent on acceptance (not a training provider or an
    employer: ``journey.STEP_ONLY_KINDS``)."""
    match event:
        case ReferralSubmitted():
            journey.referral_submitted(event.referral_id, event.sender_org_id, event.receiver_org_id, now)
        case ReferralAccepted():
            return journey.referral_accepted(event.referral_id, now, takes_over=receiver_takes_over)
        case ReferralReturnedToSender():
            journey.referral_returned(
                event.referral_id,
                event.status,
                reorient_due=event.reorient_due,
                unaccompanied_due=unaccompanied_due,
                now=now,
                detail=event.reason_code,
            )
        case ReferralAcknowledged():
            journey.referral_acknowledged(event.referral_id, event.by_org_id, now)
        case AppointmentScheduled():
            journey.appointment_scheduled(event.referral_id, event.receiver_org_id, now)
        case AppointmentOutcomeRecorded():
            journey.appointment_outcome_recorded(event.referral_id, event.receiver_org_id, event.outcome, now)
        case ReferralWithdrawn():
            journey.referral_ended(
                event.referral_id, event.receiver_org_id, "withdrawn", now, unaccompanied_due
            )
        case ReferralMadeObsolete():
            journey.referral_ended(
                event.referral_id, event.receiver_org_id, "obsolete", now, unaccompanied_due, event.cause
            )
        case ReferralClosed():
            journey.referral_closed(event.referral_id, event.receiver_org_id, event.outcome, now)
    return []
