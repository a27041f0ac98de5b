"""A training provider or an employer takes a person in charge for one step, not for their journey."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from relais_referral.domain.journey import Journey

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MISSION_LOCALE, PLIE, PROVIDER, COORDINATION = (uuid.uuid4() for _ in range(4))


def journey_with(referent: uuid.UUID | None) -> tuple[Journey, uuid.UUID, uuid.UUID]:
    journey = Journey(uuid.uuid4(), referent, COORDINATION)
    to_plie, to_training = uuid.uuid4(), uuid.uuid4()
    journey.referral_submitted(to_plie, MISSION_LOCALE, PLIE, NOW)
    journey.referral_submitted(to_training, MISSION_LOCALE, PROVIDER, NOW)
    return journey, to_plie, to_training


def test_a_seat_on_a_training_session_keeps_the_referent_and_the_provider_joins_the_follow_up_group() -> None:
    journey, to_plie, to_training = journey_with(MISSION_LOCALE)
    obsolete = journey.referral_accepted(to_training, NOW, takes_over=False)
    assert journey.referent_org_id == MISSION_LOCALE
    assert PROVIDER in journey.follow_up
    # The seat answers its own referral only: the PLIE's is still open, nothing made obsolete.
    assert obsolete == []
    assert list(journey.open_referrals) == [to_plie]
    assert [e.kind for e in journey.history][-1] == "referral_accepted"


def test_a_step_taken_for_a_person_without_referent_makes_the_sender_responsible() -> None:
    journey, _, to_training = journey_with(None)
    journey.referral_accepted(to_training, NOW, takes_over=False)
    assert journey.referent_org_id == MISSION_LOCALE
    assert journey.follow_up == {PROVIDER}


def test_an_accompanying_structure_that_accepts_becomes_referent_and_ends_the_other_referrals() -> None:
    journey, to_plie, to_training = journey_with(MISSION_LOCALE)
    obsolete = journey.referral_accepted(to_plie, NOW)
    assert journey.referent_org_id == PLIE
    assert MISSION_LOCALE in journey.follow_up
    assert obsolete == [to_training]
