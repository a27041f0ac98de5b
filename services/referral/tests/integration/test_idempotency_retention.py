"""Stored ``Idempotency-Key`` answers are purged after their retention by the worker's Temporal Schedule.

Real PostgreSQL and the stack's real Temporal server: the schedule the worker creates at start is
triggered, runs the purge workflow on a worker of this test's own task queue, and deletes the keys
older than the retention only.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from relais_dev.stack import Stack
from relais_dev.testing import eventually, last_scheduled_result, triggered_schedule
from relais_referral.db.models import infra
from relais_referral.entrypoints import worker as worker_entrypoint
from relais_referral.workflows.housekeeping import HousekeepingActivities, PurgeIdempotencyKeysWorkflow
from relais_referral.workflows.schedules import ensure_purge_schedule
from relais_shared.temporal import connect_temporal

from .conftest import Pact

pytestmark = pytest.mark.integration
keys = infra.idempotency_keys


async def _refer_with_key(pact: Pact, person: str, receiver: str, key: str) -> Any:
    return await pact.post(
        "/v1/referrals",
        "mission_locale",
        {"jobseeker_id": person, "receiver_org_id": str(pact.orgs[receiver]), "motive": "Motif libre"},
        **{"Idempotency-Key": key},
    )


async def _stored(pact: Pact, key: str) -> bool:
    async with pact.client._transport.app.state.sessions() as session:  # type: ignore[attr-defined]
        return (await session.execute(select(keys.c.key).where(keys.c.key == key))).first() is not None


async def test_the_workers_schedule_purges_idempotency_keys_older_than_their_retention_only(
    pact: Pact, stack: Stack
) -> None:
    sessions = pact.client._transport.app.state.sessions  # type: ignore[attr-defined]
    old_person, new_person = await pact.person(), await pact.person()
    old_key, new_key = f"old-{uuid.uuid4()}", f"new-{uuid.uuid4()}"
    assert (await _refer_with_key(pact, old_person, "plie", old_key)).status_code == 201
    assert (await _refer_with_key(pact, new_person, "plie", new_key)).status_code == 201
    async with sessions() as session, session.begin():  # stored a day and an hour ago
        aged = keys.c.created_at - timedelta(hours=25)
        await session.execute(update(keys).where(keys.c.key == old_key).values(created_at=aged))

    client = await connect_temporal(stack.temporal_address)
    task_queue = f"test-housekeeping-{uuid.uuid4().hex[:8]}"
    housekeeping = HousekeepingActivities(sessions, timedelta(hours=24))
    async with triggered_schedule(
        client,
        ensure_purge_schedule,
        task_queue,
        [PurgeIdempotencyKeysWorkflow],
        [housekeeping.purge_idempotency_keys],
    ) as handle:

        async def purged() -> bool:
            return not await _stored(pact, old_key)

        await eventually(purged, "the expired key purged by the scheduled workflow", timeout=30)
        result = await last_scheduled_result(client, handle)
        assert isinstance(result, int) and result >= 1  # the history holds a count, no answer

    assert await _stored(pact, new_key)  # within its retention: still replayed
    replay = await _refer_with_key(pact, new_person, "plie", new_key)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    # Once purged, the key is free: another body under it is a new request, not a reused key.
    reused = await _refer_with_key(pact, old_person, "cap_emploi", old_key)
    assert reused.status_code == 201, reused.text
    assert "idempotent-replayed" not in reused.headers


def test_the_worker_takes_the_retention_from_relais_idempotency_retention_hours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAIS_IDEMPOTENCY_RETENTION_HOURS", "48")
    context: Any = type("Context", (), {"sessions": object()})()
    [purge] = [a for a in worker_entrypoint.activities(context) if a.__name__ == "purge_idempotency_keys"]
    assert purge.__self__.idempotency_retention == timedelta(hours=48)  # type: ignore[attr-defined]
