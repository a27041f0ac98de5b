"""The receiver's next deadline on a referral, stage by stage, as the workflow's timers ring."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

from relais_referral.domain.deadlines import DeadlineKind, NextDeadline, next_deadline
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.domain.referral import Referral, ReferralStatus

POLICY = ReferralPolicy()  # acknowledgement 5, coordination 10, expiry 30, outcome 1, decision 10
# Monday 1 March 2027, 10:00 Paris. Nantes (44): no holiday before Easter Monday 29 March.
SUBMITTED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SENT = Referral(
    id=uuid.uuid4(),
    jobseeker_id=uuid.uuid4(),
    sender_org_id=uuid.uuid4(),
    receiver_org_id=uuid.uuid4(),
    status=ReferralStatus.SUBMITTED,
    submitted_at=SUBMITTED,
    acknowledgement_due=date(2027, 3, 8),
    motive="m",
    submitted_by="u",
)


def test_a_sent_referral_awaits_its_acknowledgement() -> None:
    assert next_deadline(SENT, POLICY, "44", date(2027, 3, 2)) == NextDeadline(
        DeadlineKind.ACKNOWLEDGEMENT, date(2027, 3, 8)
    )


def test_an_acknowledged_referral_awaits_its_appointment_until_the_coordination_is_alerted() -> None:
    acknowledged = replace(SENT, status=ReferralStatus.ACKNOWLEDGED)
    # 10 working days after Monday 1 March: Monday 15 March.
    assert next_deadline(acknowledged, POLICY, "44", date(2027, 3, 9)) == NextDeadline(
        DeadlineKind.APPOINTMENT, date(2027, 3, 15)
    )


def test_past_the_coordination_alert_an_appointment_is_still_due_before_the_referral_expires() -> None:
    acknowledged = replace(SENT, status=ReferralStatus.ACKNOWLEDGED)
    # 30 working days after 1 March, Easter Monday (29 March) skipped: Tuesday 13 April.
    assert next_deadline(acknowledged, POLICY, "44", date(2027, 3, 16)) == NextDeadline(
        DeadlineKind.APPOINTMENT, date(2027, 4, 13)
    )


def test_a_waitlisted_training_seat_runs_no_clock() -> None:
    waitlisted = replace(SENT, status=ReferralStatus.ACKNOWLEDGED, training_session_id=uuid.uuid4())
    assert next_deadline(waitlisted, POLICY, "44", date(2027, 3, 9)) is None


def test_a_fixed_appointment_awaits_its_outcome_the_next_working_day_of_the_receiver() -> None:
    scheduled = replace(
        SENT,
        status=ReferralStatus.APPOINTMENT_SCHEDULED,
        appointment_at=datetime(2027, 3, 25, 9, 0, tzinfo=UTC),  # Thursday; Good Friday rests in 57
    )
    assert next_deadline(scheduled, POLICY, "44", date(2027, 3, 9)) == NextDeadline(
        DeadlineKind.APPOINTMENT_OUTCOME, date(2027, 3, 26)
    )
    assert next_deadline(scheduled, POLICY, "57", date(2027, 3, 9)) == NextDeadline(
        DeadlineKind.APPOINTMENT_OUTCOME, date(2027, 3, 30)
    )


def test_once_the_outcome_is_in_the_receiver_must_decide() -> None:
    seen = replace(
        SENT,
        status=ReferralStatus.APPOINTMENT_SCHEDULED,
        appointment_at=datetime(2027, 3, 3, 9, 0, tzinfo=UTC),
        appointment_outcome="seen",
        outcome_recorded_at=datetime(2027, 3, 3, 15, 0, tzinfo=UTC),  # Wednesday: +10 → 17 March
    )
    assert next_deadline(seen, POLICY, "44", date(2027, 3, 4)) == NextDeadline(
        DeadlineKind.DECISION, date(2027, 3, 17)
    )
    no_show = replace(
        seen, status=ReferralStatus.ACKNOWLEDGED, appointment_at=None, appointment_outcome="no_show"
    )
    assert next_deadline(no_show, POLICY, "44", date(2027, 3, 4)) == NextDeadline(
        DeadlineKind.DECISION, date(2027, 3, 17)
    )


def test_a_reinvitation_before_the_decision_day_makes_its_outcome_next() -> None:
    reinvited = replace(
        SENT,
        status=ReferralStatus.APPOINTMENT_SCHEDULED,
        appointment_at=datetime(2027, 3, 8, 9, 0, tzinfo=UTC),
        outcome_recorded_at=datetime(2027, 3, 3, 15, 0, tzinfo=UTC),
    )
    assert next_deadline(reinvited, POLICY, "44", date(2027, 3, 4)) == NextDeadline(
        DeadlineKind.APPOINTMENT_OUTCOME, date(2027, 3, 9)
    )


def test_a_referral_no_longer_open_has_no_deadline() -> None:
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.REFUSED, ReferralStatus.EXPIRED):
        assert next_deadline(replace(SENT, status=status), POLICY, "44", date(2027, 3, 2)) is None
