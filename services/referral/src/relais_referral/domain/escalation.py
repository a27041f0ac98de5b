"""Escalation levels: who is told when a referral's deadline passes, and whether it still applies."""

from __future__ import annotations

from enum import StrEnum

from relais_referral.domain.referral import AWAITING_ANSWER, Referral, ReferralStatus


class EscalationLevel(StrEnum):
    REMINDER = "reminder"  # the receiver, not yet acknowledged
    MANAGER = "manager"  # the receiver's manager, still not acknowledged
    COORDINATION = "coordination"  # the pact coordination: no answer at all
    APPOINTMENT_OUTCOME = "appointment_outcome"  # the receiver: the appointment's outcome is late
    DECISION = "decision"  # the pact coordination: seen, but nothing decided


class Recipient(StrEnum):
    RECEIVER = "receiver"
    MANAGER = "manager"
    COORDINATION = "coordination"


RECIPIENT = {
    EscalationLevel.REMINDER: Recipient.RECEIVER,
    EscalationLevel.MANAGER: Recipient.MANAGER,
    EscalationLevel.COORDINATION: Recipient.COORDINATION,
    EscalationLevel.APPOINTMENT_OUTCOME: Recipient.RECEIVER,
    EscalationLevel.DECISION: Recipient.COORDINATION,
}


def escalation_applies(referral: Referral, level: EscalationLevel) -> bool:
    """Whether the deadline of ``level`` still concerns the referral, judged from its current state."""
    answered_once = referral.outcome_recorded_at is not None
    match level:
        case EscalationLevel.REMINDER | EscalationLevel.MANAGER:
            return referral.status is ReferralStatus.SUBMITTED
        case EscalationLevel.COORDINATION:
            return referral.status in AWAITING_ANSWER and not answered_once
        case EscalationLevel.APPOINTMENT_OUTCOME:
            return referral.awaits_appointment_outcome
        case EscalationLevel.DECISION:
            # After an appointment (seen, or a no-show awaiting re-invitation), nothing was decided.
            seen_undecided = referral.status is ReferralStatus.APPOINTMENT_SCHEDULED and not (
                referral.awaits_appointment_outcome
            )
            return answered_once and (referral.status is ReferralStatus.ACKNOWLEDGED or seen_undecided)
