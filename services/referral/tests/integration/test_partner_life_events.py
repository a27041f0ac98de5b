"""Partners' events that change a journey (``relais_referral.events.external``), on the real PostgreSQL.

The consumer hands each event to ``LifeEventsFromPartners`` in its transaction; what it raises decides the
message's fate (a ``PermanentError`` sends it to the dead-letter topic). Kafka's side is proven end to end
in tests/e2e/test_clause_hire_closes_referral.py.
"""

import uuid
from typing import Any

import pytest

from relais_referral.db.models import infra
from relais_referral.events.external import (
    ENROLMENT_ABANDONED,
    ENROLMENT_CANCELLED,
    PARTICIPANT_HIRED,
    LifeEventsFromPartners,
)
from relais_referral.service_layer.context import PactContext
from relais_shared.envelope import IncomingEnvelope

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


def hired(jobseeker_id: str | uuid.UUID) -> IncomingEnvelope:
    work_contract = str(uuid.uuid4())
    return IncomingEnvelope(
        type=PARTICIPANT_HIRED,
        source="clauses",
        subject=work_contract,
        dataschema=f"contracts/events/clauses/{PARTICIPANT_HIRED}.schema.json",
        data={
            "work_contract_id": work_contract,
            "jobseeker_id": str(jobseeker_id),
            "contract_type": "CDD",
            "weekly_hours": 35.0,
            "hired_at": "2026-11-02T08:00:00Z",
        },
    )


async def handle(pact: Pact, envelope: IncomingEnvelope) -> None:
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        await LifeEventsFromPartners(PactContext(pact.coordination, "44"))(session, envelope)


async def staged(pact: Pact, envelope: IncomingEnvelope) -> int:
    """The journey events staged for this partner's event (their id derives from its id)."""
    return int(await pact.count(infra.outbox, infra.outbox.c.event_id == uuid.uuid5(envelope.id, "journey")))


async def test_a_clause_hire_of_a_person_no_journey_follows_is_skipped_not_dead_lettered(pact: Pact) -> None:
    """Most clause participants came through no referral of the pact: their hire is the clauses service's
    business alone. It raised ``PermanentError`` (a dead-letter per hire: 258 in the demo's first minute)."""
    event = hired(uuid.uuid4())
    await handle(pact, event)
    assert await staged(pact, event) == 0  # nothing recorded, nothing published


async def test_a_clause_hire_of_a_followed_person_is_a_line_of_their_journey(pact: Pact) -> None:
    person = await pact.person()
    event = hired(person)
    await handle(pact, event)
    assert await staged(pact, event) == 1  # its journey event, staged with it
    response = await pact.get(f"/v1/jobseekers/{person}/journey", "mission_locale")
    assert response.status_code == 200, response.text
    assert [(e["kind"], e["detail"]) for e in response.json()["history"]] == [("life_event_hired", "CDD 35h")]


async def test_a_training_abandoned_by_a_person_no_journey_follows_is_skipped_not_dead_lettered(
    pact: Pact,
) -> None:
    """A provider enrols whoever applies, referred or not: it raised ``PermanentError`` too."""
    event = IncomingEnvelope(
        type=ENROLMENT_ABANDONED,
        source="training",
        subject=str(uuid.uuid4()),
        dataschema=f"contracts/events/training/{ENROLMENT_ABANDONED}.schema.json",
        data={"jobseeker_id": str(uuid.uuid4()), "abandoned_at": "2026-11-20T10:00:00Z"},
    )
    await handle(pact, event)
    assert await staged(pact, event) == 0


async def test_a_clause_hire_of_a_person_who_left_the_pact_is_skipped_not_dead_lettered(pact: Pact) -> None:
    """After an exit the référent records what follows (situations at 3, 6, 12 months); the hire is often
    the one that made the person leave. It raised ``PermanentError`` (journey closed)."""
    person = await pact.person()
    exited = await pact.post(f"/v1/jobseekers/{person}/exit", "mission_locale", {"outcome": "civic_service"})
    assert exited.status_code == 200, exited.text
    event = hired(person)
    await handle(pact, event)
    assert await staged(pact, event) == 0


async def test_a_training_ended_for_a_merged_duplicate_returns_its_referral_on_the_kept_record(
    pact: Pact,
) -> None:
    """The merge moves the duplicate's referrals to the kept record; the training service still names the
    duplicate. The event was skipped (no journey follows the duplicate) and the referral, waiting for its
    seat with no clock running, stayed open for ever."""
    kept = await pact.person("mission_locale", "Fusion-gardee")
    duplicate = await pact.person("plie", "Fusion-doublon")
    referral = (await pact.refer(duplicate, "plie", "cap_emploi")).json()["id"]
    coordinator = pact.headers(pact.coordination, "coordinator")
    merged = await pact.client.post(
        f"/v1/jobseekers/{kept}/merge", headers=coordinator, json={"duplicate_id": duplicate}
    )
    assert merged.status_code == 200, merged.text
    event = IncomingEnvelope(
        type=ENROLMENT_CANCELLED,
        source="training",
        subject=str(uuid.uuid4()),
        dataschema=f"contracts/events/training/{ENROLMENT_CANCELLED}.schema.json",
        data={"jobseeker_id": duplicate, "cause": "waitlist_closed", "referral_id": referral},
    )
    await handle(pact, event)
    answer = (await pact.get(f"/v1/referrals/{referral}", "plie")).json()
    assert (answer["jobseeker_id"], answer["status"]) == (kept, "refused")
    journey = (await pact.get(f"/v1/jobseekers/{kept}/journey", "plie")).json()
    assert referral not in journey["open_referral_ids"]
