"""Partners' events that change a journey (``relais_referral.events.external``), on the real PostgreSQL.

The consumer hands each event to ``LifeEventsFromPartners`` in its transaction; what it raises decides the
message's fate (a ``PermanentError`` sends it to the dead-letter topic). Kafka's side is proven end to end
in tests/e2e/test_clause_hire_closes_referral.py.
"""

import uuid
from typing import Any

import pytest

from relais_referral.db.models import infra
from relais_referral.events.external import ENROLMENT_ABANDONED, PARTICIPANT_HIRED, LifeEventsFromPartners
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
