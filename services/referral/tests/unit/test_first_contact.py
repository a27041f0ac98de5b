"""A référent designated by the coordination is asked to contact the person; acting on them is contact."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from relais_referral.domain.errors import InvalidTransition
from relais_referral.domain.journey import Journey, LifeEvent, TaskKind, TaskStatus

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DUE = date(2026, 12, 14)
PLIE, MISSION_LOCALE = uuid.uuid4(), uuid.uuid4()


def designated() -> Journey:
    journey = Journey(uuid.uuid4(), None, coordination_org_id=uuid.uuid4())
    journey.assign_referent(org_id=PLIE, now=NOW, contact_due=DUE)
    return journey


def first_contact(journey: Journey) -> TaskStatus:
    [task] = [t for t in journey.tasks if t.kind is TaskKind.FIRST_CONTACT]
    return task.status


def received(journey: Journey) -> uuid.UUID:
    """A referral the designated référent received for the person (sent by another organisation)."""
    referral = uuid.uuid4()
    journey.referral_submitted(referral, MISSION_LOCALE, PLIE, NOW)
    return referral


ACTS: dict[str, Callable[[Journey], object]] = {
    "refers the person": lambda j: j.referral_submitted(uuid.uuid4(), PLIE, MISSION_LOCALE, NOW),
    "fixes an appointment": lambda j: j.appointment_scheduled(received(j), PLIE, NOW),
    "sees the person": lambda j: j.appointment_outcome_recorded(received(j), PLIE, "seen", NOW),
    "takes them in charge": lambda j: j.referral_accepted(received(j), NOW),
    "records a life event": lambda j: j.life_event(
        LifeEvent.HIRED, now=NOW, reorient_due=DUE, unaccompanied_due=DUE, by_org_id=PLIE
    ),
    "records the exit": lambda j: j.exit(outcome="cdi", now=NOW, follow_ups=[], by_org_id=PLIE),
}


@pytest.mark.parametrize("act", ACTS)
def test_the_first_contact_task_is_done_when_the_designated_referent_acts_on_the_person(act: str) -> None:
    journey = designated()
    ACTS[act](journey)
    assert first_contact(journey) is TaskStatus.DONE


def test_what_another_organisation_does_or_a_no_show_is_no_contact() -> None:
    journey = designated()
    referral = received(journey)  # the Mission locale's referral is its act, not the PLIE's
    journey.appointment_outcome_recorded(referral, PLIE, "no_show", NOW)
    journey.life_event(LifeEvent.HIRED, now=NOW, reorient_due=DUE, unaccompanied_due=DUE, by_org_id=None)
    assert first_contact(journey) is TaskStatus.OPEN


def test_a_person_who_leaves_the_pact_by_anothers_word_has_nobody_left_to_contact() -> None:
    journey = designated()
    journey.exit(outcome="moved_out", now=NOW, follow_ups=[], by_org_id=None)
    assert first_contact(journey) is TaskStatus.CANCELLED


def test_a_designated_referent_that_lets_the_person_go_has_no_first_contact_left_to_make() -> None:
    journey = designated()
    journey.release(by_org_id=PLIE, now=NOW, unaccompanied_due=DUE)
    assert first_contact(journey) is TaskStatus.CANCELLED


def test_a_designated_referent_replaced_by_another_structure_has_no_first_contact_left_to_make() -> None:
    """The PLIE's follow-up group refers the person to the Mission locale, which takes them in charge: the
    PLIE's task to contact them stayed open for ever (nothing the PLIE did could close it any more)."""
    journey = designated()
    referral = uuid.uuid4()
    journey.referral_submitted(referral, uuid.uuid4(), MISSION_LOCALE, NOW)
    journey.referral_accepted(referral, NOW)
    assert journey.referent_org_id == MISSION_LOCALE
    assert first_contact(journey) is TaskStatus.CANCELLED


def test_a_life_event_refused_after_the_exit_says_so_in_french() -> None:
    journey = designated()
    journey.exit(outcome="cdi", now=NOW, follow_ups=[], by_org_id=PLIE)
    with pytest.raises(InvalidTransition) as refused:
        journey.life_event(LifeEvent.HIRED, now=NOW, reorient_due=DUE, unaccompanied_due=DUE, by_org_id=PLIE)
    assert str(refused.value) == (
        "Impossible d'enregistrer un événement du parcours : la personne est sortie du pacte."
    )
