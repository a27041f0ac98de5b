"""Which escalations still apply to a referral, and who each one tells."""

from datetime import UTC, datetime, timedelta

import pytest

from relais_referral.domain.escalation import RECIPIENT, EscalationLevel, Recipient, escalation_applies

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
