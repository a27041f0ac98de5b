"""A due erasure is applied by the worker's Temporal Schedule even when no event comes after it.

Real PostgreSQL and the stack's real Temporal server: the schedule the worker creates at start is
triggered, runs the sweep on a worker of this test's own task queue, and unlinks the person whose
erasure's grace period is over, and only them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from temporalio.client import ScheduleOverlapPolicy

from relais_dev.stack import Stack
from relais_dev.testing import eventually, last_scheduled_result, triggered_schedule
from relais_evaluation.adapters.workflows.activities import ErasureActivities
from relais_evaluation.adapters.workflows.erasures import ApplyDueErasuresWorkflow, ensure_erasure_schedule
from relais_evaluation.domain.pseudonym import subject_key
from relais_evaluation.entrypoints import worker as worker_entrypoint
from relais_shared.temporal import connect_temporal

from .conftest import PACT_KEY, Store
from .test_erasure_grace import event, live, people, referent

pytestmark = pytest.mark.integration
GRACE = timedelta(hours=1)


async def test_the_workers_schedule_unlinks_a_person_once_the_grace_period_is_over_with_no_further_event(
    store: Store, stack: Stack
) -> None:
    due, recent = uuid.uuid4(), uuid.uuid4()
    for person in (due, recent):
        await live(store, [referent(person, 0), event("jobseeker.erased.v1", person)], GRACE)
    async with store.sessions() as session, session.begin():  # one erasure read two hours ago
        await session.execute(
            text(
                "UPDATE erased_subjects SET recorded_at = now() - interval '2 hours' WHERE subject_key = :s"
            ),
            {"s": subject_key(PACT_KEY, due)},
        )
    recent_key = subject_key(PACT_KEY, recent)
    # Each: the référent's support and the erasure's end of any spell without support.
    assert await people(store) == sorted([(subject_key(PACT_KEY, due), 2), (recent_key, 2)], key=repr)

    client = await connect_temporal(stack.temporal_address)
    task_queue = f"test-erasure-sweep-{uuid.uuid4().hex[:8]}"
    sweep = ErasureActivities(store.sessions, GRACE)
    async with triggered_schedule(
        client, ensure_erasure_schedule, task_queue, [ApplyDueErasuresWorkflow], [sweep.apply_due_erasures]
    ) as handle:

        async def unlinked() -> bool:
            return (None, 2) in await people(store)

        await eventually(unlinked, "the due erasure applied by the scheduled sweep", timeout=30)
        assert await last_scheduled_result(client, handle) == 1  # the history holds a count, no subject
    # The other erasure is within its grace period: still linked, its facts still counted.
    assert await people(store) == sorted([(None, 2), (recent_key, 2)], key=repr)


async def test_the_worker_sweeps_every_relais_evaluation_erasure_sweep_s_with_the_consumers_grace(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_queue = f"test-erasure-settings-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("RELAIS_EVALUATION_TASK_QUEUE", task_queue)
    monkeypatch.setenv("RELAIS_EVALUATION_ERASURE_SWEEP_S", "120")
    monkeypatch.setenv("RELAIS_EVALUATION_ERASURE_GRACE_S", "900")
    client = await connect_temporal(stack.temporal_address)
    context: Any = type("Context", (), {"sessions": object(), "client": client})()
    [sweep] = [a for a in worker_entrypoint.activities(context) if a.__name__ == "apply_due_erasures"]
    assert sweep.__self__.grace == timedelta(seconds=900)  # type: ignore[attr-defined]
    await worker_entrypoint.schedules(context)
    handle = client.get_schedule_handle(f"{task_queue}-erasure-sweep")
    try:
        schedule = (await handle.describe()).schedule
        assert [i.every for i in schedule.spec.intervals] == [timedelta(seconds=120)]
        assert schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
    finally:
        await handle.delete()
