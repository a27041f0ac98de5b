"""The journey records what happened to it; the unit of work publishes it (mapped to contracts)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from relais_referral.domain.errors import FollowUpNotDue, InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.domain.events import ExitFollowedUp, PactExited, PersonUnaccompanied, ReferentChanged
from relais_referral.domain.journey import Journey, TaskKind
from relais_referral.domain.situations import Situation
from relais_referral.events.contracts import (
    JobseekerUnaccompaniedV1,
    JourneyExitedV1,
    JourneyExitFollowedUpV1,
    JourneyReferentChangedV1,
)
from relais_referral.events.mapping import journey_integration_event

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def journey(referent: uuid.UUID | None) -> Journey:
    return Journey(uuid.uuid4(), referent, coordination_org_id=uuid.uuid4())


def test_a_referent_ending_its_accompaniment_is_recorded_as_a_referent_change() -> None:
    referent = uuid.uuid4()
    j = journey(referent)
    j.release(by_org_id=referent, now=NOW, unaccompanied_due=date(2026, 12, 14))
    [event] = [e for e in j.events if isinstance(e, ReferentChanged)]
    assert (event.previous_referent_org_id, event.referent_org_id, event.cause) == (
        referent,
        None,
        "released",
    )
    contract = journey_integration_event(event)
    assert isinstance(contract, JourneyReferentChangedV1) and contract.changed_at == NOW


def test_an_exit_is_recorded_with_its_outcome_and_the_referent_it_leaves() -> None:
    referent = uuid.uuid4()
    j = journey(referent)
    j.exit(outcome="durable_employment", now=NOW, follow_ups=[date(2027, 3, 7)], by_org_id=referent)
    assert [e for e in j.events if isinstance(e, PactExited)] == [
        PactExited(j.jobseeker_id, NOW, "durable_employment", referent)
    ]


def test_unaccompanied_is_reported_only_while_nobody_is_responsible_with_the_steps_id() -> None:
    step = uuid.uuid4()
    accompanied = journey(uuid.uuid4())
    assert not accompanied.report_unaccompanied(
        since=date(2026, 12, 1), working_days=5, now=NOW, event_id=step
    )
    assert accompanied.events == []
    alone = journey(None)
    assert alone.report_unaccompanied(since=date(2026, 12, 1), working_days=5, now=NOW, event_id=step)
    [event] = alone.events
    assert isinstance(event, PersonUnaccompanied) and event.event_id == step
    assert isinstance(journey_integration_event(event), JobseekerUnaccompaniedV1)


def test_an_exit_records_the_persons_situation_in_the_pacts_vocabulary_beyond_the_dares_categories() -> None:
    referent = uuid.uuid4()
    j = journey(referent)
    j.exit(outcome="civic_service", now=NOW, follow_ups=[], by_org_id=referent)
    [event] = [e for e in j.events if isinstance(e, PactExited)]
    contract = journey_integration_event(event)
    assert isinstance(contract, JourneyExitedV1) and contract.outcome is Situation.CIVIC_SERVICE


def exited(referent: uuid.UUID) -> Journey:
    j = journey(referent)
    j.exit(
        outcome="job_search",
        now=NOW,
        follow_ups=[date(2027, 3, 7), date(2027, 6, 7), date(2027, 12, 7)],
        by_org_id=referent,
    )
    j.events.clear()
    return j


def test_the_referents_follow_up_answer_is_published_per_horizon_and_a_new_answer_replaces_it() -> None:
    referent = uuid.uuid4()
    j = exited(referent)
    later = NOW + timedelta(days=183)
    assert j.record_follow_up(horizon_months=6, situation="cdi", by_org_id=referent, now=later)
    # The same answer again changes nothing and publishes nothing (a double click, a retried request).
    assert not j.record_follow_up(horizon_months=6, situation="cdi", by_org_id=referent, now=later)
    assert j.record_follow_up(horizon_months=6, situation="volunteering", by_org_id=referent, now=later)
    assert j.exit_follow_ups == {6: "volunteering"}
    assert [
        (e.horizon_months, e.situation, e.exited_at) for e in j.events if isinstance(e, ExitFollowedUp)
    ] == [
        (6, "cdi", NOW),
        (6, "volunteering", NOW),
    ]
    # That horizon's reminder task is done; the other horizons still wait for their answer.
    open_dues = sorted(t.due for t in j.tasks if t.is_open and t.kind is TaskKind.OUTCOME_FOLLOW_UP)
    assert open_dues == [date(2027, 3, 7), date(2027, 12, 7)]
    contract = journey_integration_event(j.events[-1])
    assert isinstance(contract, JourneyExitFollowedUpV1)
    assert (contract.horizon_months, contract.observed_situation, contract.recorded_at) == (
        6,
        "volunteering",
        later,
    )
    assert contract.referent_org_id == referent


def test_only_the_referent_records_a_follow_up_and_only_after_an_exit_with_a_known_situation() -> None:
    referent = uuid.uuid4()
    with pytest.raises(InvalidTransition):
        journey(referent).record_follow_up(horizon_months=3, situation="cdi", by_org_id=referent, now=NOW)
    j = exited(referent)
    with pytest.raises(NotAllowed):
        j.record_follow_up(horizon_months=3, situation="cdi", by_org_id=uuid.uuid4(), now=NOW)
    for horizon, situation in ((4, "cdi"), (3, "astronaut")):
        with pytest.raises(InvalidReferral):
            j.record_follow_up(horizon_months=horizon, situation=situation, by_org_id=referent, now=NOW)
    assert j.events == [] and j.exit_follow_ups == {}


def test_a_situation_after_the_exit_is_recorded_from_the_day_its_horizon_is_reached() -> None:
    # Out on 7 December 2026: the three-month answer is taken from 7 March 2027, not before (it would
    # be read as the situation at three months).
    referent = uuid.uuid4()
    j = exited(referent)
    eve = datetime(2027, 3, 6, 22, 59, tzinfo=UTC)  # 23:59 in Paris, 6 March
    with pytest.raises(FollowUpNotDue, match="07/03/2027"):
        j.record_follow_up(horizon_months=3, situation="cdi", by_org_id=referent, now=eve)
    assert j.events == [] and j.exit_follow_ups == {}
    assert j.follow_up_due(12) == date(2027, 12, 7)
    assert j.record_follow_up(
        horizon_months=3, situation="cdi", by_org_id=referent, now=eve + timedelta(minutes=1)
    )
    assert j.exit_follow_ups == {3: "cdi"}
