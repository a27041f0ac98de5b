"""The bridge signals a JourneyWorkflow only when the person's timers changed, against PostgreSQL."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from relais_referral.db.models import JourneySignalRow
from relais_referral.service_layer.timers import journey_signal_needed, journey_timers

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


async def needed(pact: Pact, person: uuid.UUID, **changes: Any) -> bool:
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        timers = await journey_timers(session, person)
        assert timers is not None
        return await journey_signal_needed(session, person, dataclasses.replace(timers, **changes))


async def test_unchanged_timers_are_signalled_once_and_changed_ones_again(pact: Pact) -> None:
    person = uuid.UUID(await pact.person())
    assert await needed(pact, person)  # never sent: the workflow must hear of it
    assert not await needed(pact, person)  # the same timers again (a redelivery, another event)
    later = datetime(2027, 3, 1, 23, tzinfo=UTC)
    assert await needed(pact, person, version=10**9, follow_ups_at=[later])  # a new follow-up: send
    assert not await needed(pact, person, version=10**9 + 1, follow_ups_at=[later])  # newer, same timers


async def test_a_stale_snapshot_never_overwrites_what_the_workflow_holds(pact: Pact) -> None:
    person = uuid.UUID(await pact.person())
    later = datetime(2027, 3, 1, 23, tzinfo=UTC)
    assert await needed(pact, person, version=10**9, follow_ups_at=[later])
    # An older state read late by another consumer: the workflow would ignore it, so is it here.
    assert not await needed(pact, person, version=1)
    assert not await needed(pact, person, version=10**9, follow_ups_at=[later])


class SignalRefused(Exception):
    """Temporal unavailable while the bridge signals."""


async def test_a_signal_that_failed_is_sent_again(pact: Pact) -> None:
    person = uuid.UUID(await pact.person())
    app = pact.client._transport.app
    with pytest.raises(SignalRefused):
        async with app.state.sessions() as session, session.begin():
            timers = await journey_timers(session, person)
            assert timers is not None
            assert await journey_signal_needed(session, person, timers)
            raise SignalRefused  # the bridge's transaction rolls back, and the record with it
    assert await needed(pact, person)


async def test_unchanged_timers_are_sent_again_after_a_day_to_restart_a_lost_workflow(pact: Pact) -> None:
    person = uuid.UUID(await pact.person())
    assert await needed(pact, person)
    assert not await needed(pact, person)
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            update(JourneySignalRow)
            .where(JourneySignalRow.jobseeker_id == person)
            .values(signalled_at=datetime.now(UTC) - timedelta(days=2))
        )
    assert await needed(pact, person)  # a terminated or failed journey workflow starts again
    assert not await needed(pact, person)
