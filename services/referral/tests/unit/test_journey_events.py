"""The journey records what happened to it; the unit of work publishes it (mapped to contracts)."""

import uuid
from datetime import UTC, date, datetime

from relais_referral.domain.events import PactExited, PersonUnaccompanied, ReferentChanged
from relais_referral.domain.journey import Journey
from relais_referral.events.contracts import JobseekerUnaccompaniedV1, JourneyReferentChangedV1
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
