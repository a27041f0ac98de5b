"""Explicit mapping from domain events to integration events: the domain class never goes on the wire."""

from __future__ import annotations

from relais_referral.domain.events import (
    AcknowledgementOverdue,
    DomainEvent,
    ReferralAcknowledged,
    ReferralSubmitted,
)
from relais_referral.events.contracts import (
    ReferralAcknowledgedV1,
    ReferralAcknowledgementOverdueV1,
    ReferralSubmittedV1,
)
from relais_shared.envelope import EventData


def to_integration_event(event: DomainEvent) -> EventData:
    match event:
        case ReferralSubmitted():
            return ReferralSubmittedV1(
                referral_id=event.referral_id,
                jobseeker_id=event.jobseeker_id,
                sender_org_id=event.sender_org_id,
                receiver_org_id=event.receiver_org_id,
                submitted_at=event.occurred_at,
                acknowledgement_due=event.acknowledgement_due,
                receiver_departement=event.receiver_departement,
                age_band=event.age_band,
                qpv_resident=event.qpv_resident,
            )
        case ReferralAcknowledged():
            return ReferralAcknowledgedV1(
                referral_id=event.referral_id,
                receiver_org_id=event.by_org_id,
                acknowledged_at=event.occurred_at,
            )
        case AcknowledgementOverdue():
            return ReferralAcknowledgementOverdueV1(
                referral_id=event.referral_id,
                receiver_org_id=event.receiver_org_id,
                due=event.due,
                detected_at=event.occurred_at,
            )
    raise TypeError(f"no integration event for {type(event).__name__}")
