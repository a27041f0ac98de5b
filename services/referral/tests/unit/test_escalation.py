"""Which escalations still apply to a referral, and who each one tells."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from relais_referral.domain.escalation import RECIPIENT, EscalationLevel, Recipient, escalation_applies
from relais_referral.domain.events import ReferralEscalated
from relais_referral.events.contracts import ReferralEscalatedV1
from relais_referral.events.mapping import to_integration_event

from .test_referral_aggregate import NOW, submitted

LATER = NOW + timedelta(days=1)


def test_every_level_has_exactly_one_recipient() -> None:
    assert set(RECIPIENT) == set(EscalationLevel)
    assert RECIPIENT[EscalationLevel.MANAGER] is Recipient.MANAGER
    assert RECIPIENT[EscalationLevel.DECISION] is Recipient.COORDINATION


@pytest.mark.parametrize(
    ("level", "while_submitted", "once_acknowledged"),
    [
        (EscalationLevel.REMINDER, True, False),
        (EscalationLevel.MANAGER, True, False),
        (EscalationLevel.COORDINATION, True, True),  # acknowledged is not answered
        (EscalationLevel.APPOINTMENT_OUTCOME, False, False),
        (EscalationLevel.DECISION, False, False),
    ],
)
def test_an_acknowledgement_stops_the_reminder_and_the_manager_but_not_the_coordination(
    level: EscalationLevel, while_submitted: bool, once_acknowledged: bool
) -> None:
    referral = submitted()
    assert escalation_applies(referral, level) is while_submitted
    referral.acknowledge(by_org_id=referral.receiver_org_id, now=LATER)
    assert escalation_applies(referral, level) is once_acknowledged


def test_a_late_appointment_outcome_escalates_until_it_is_recorded() -> None:
    referral = submitted()
    appointment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    referral.schedule_appointment(
        by_org_id=referral.receiver_org_id,
        appointment_at=appointment,
        outcome_due_at=appointment + timedelta(days=1),
        now=LATER,
    )
    assert escalation_applies(referral, EscalationLevel.APPOINTMENT_OUTCOME)
    assert not escalation_applies(
        referral, EscalationLevel.COORDINATION
    )  # the clock stopped at the appointment


@pytest.mark.parametrize("level", list(EscalationLevel))
def test_every_escalation_level_can_be_published_under_the_escalated_contract(level: EscalationLevel) -> None:
    event = ReferralEscalated(
        referral_id=uuid.uuid4(), occurred_at=NOW, receiver_org_id=uuid.uuid4(), level=level
    )
    contract = to_integration_event(event)
    assert isinstance(contract, ReferralEscalatedV1) and contract.level == level.value
