"""An erasure unlinks the person once its grace period has passed: the person's events still on their
way on other partitions land on the same person as in a rebuild, which links everything first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from relais_evaluation.adapters.events.consumer import batch_handler
from relais_evaluation.domain.pseudonym import subject_key
from relais_shared.db import transaction
from relais_shared.envelope import IncomingEnvelope, dataschema_for

from .conftest import PACT_KEY, Store

pytestmark = pytest.mark.integration
AT = datetime(2027, 3, 2, 9, tzinfo=UTC)


def event(event_type: str, person: uuid.UUID, **data: Any) -> IncomingEnvelope:
    return IncomingEnvelope(
        id=uuid.uuid4(),
        type=event_type,
        source="referral",
        subject=str(person),
        time=AT,
        dataschema=dataschema_for(event_type),
        data={"jobseeker_id": str(person), **data},
    )


def referent(person: uuid.UUID, days: int) -> IncomingEnvelope:
    changed_at = (AT + timedelta(days=days)).isoformat()
    return event(
        "journey.referent_changed.v1", person, referent_org_id=str(uuid.uuid4()), changed_at=changed_at
    )


async def live(store: Store, envelopes: list[IncomingEnvelope], grace: timedelta) -> None:
    async with transaction(store.sessions) as session:
        await batch_handler(PACT_KEY, erasure_grace=grace)(session, envelopes)


async def people(store: Store) -> list[tuple[Any, Any]]:
    async with store.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT p.subject_key, count(s.event_id) FROM people p "
                "LEFT JOIN support_events s ON s.person_id = p.person_id GROUP BY p.person_id"
            )
        )
        return sorted((tuple(row) for row in rows), key=repr)


async def test_an_event_read_after_the_erasure_within_the_grace_period_reaches_the_same_person(
    store: Store,
) -> None:
    person = uuid.uuid4()
    key = subject_key(PACT_KEY, person)
    await live(store, [referent(person, 0), event("jobseeker.erased.v1", person)], timedelta(hours=1))
    # The person's next event was on a partition read later: within the hour, it is still theirs.
    await live(store, [referent(person, 1)], timedelta(hours=1))
    assert await people(store) == [(key, 3)]  # two référents, and the erasure ends any spell
    # Past the grace period (here: none left), the next batch unlinks them; their facts stay counted.
    await live(store, [], timedelta(0))
    assert await people(store) == [(None, 3)]


async def test_with_no_grace_period_a_late_event_makes_a_second_unlinked_person_unlike_a_rebuild(
    store: Store,
) -> None:
    # What the grace period is for: the same events, the erasure applied at once.
    person = uuid.uuid4()
    await live(store, [referent(person, 0), event("jobseeker.erased.v1", person)], timedelta(0))
    await live(store, [referent(person, 1)], timedelta(0))
    assert await people(store) == [(None, 1), (None, 2)]
