"""The erasure sweep's workflow on Temporal's time-skipping server (its activity faked)."""

from __future__ import annotations

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_evaluation.adapters.workflows.erasures import ApplyDueErasuresWorkflow


async def test_a_sweep_runs_the_activity_once_with_no_input_and_keeps_only_its_count(
    env: WorkflowEnvironment,
) -> None:
    calls: list[tuple[object, ...]] = []

    @activity.defn(name="apply_due_erasures")
    async def apply_due_erasures(*args: object) -> int:
        calls.append(args)
        return 3

    async with Worker(
        env.client,
        task_queue="erasure-sweep-test",
        workflows=[ApplyDueErasuresWorkflow],
        activities=[apply_due_erasures],
    ):
        handle = await env.client.start_workflow(
            ApplyDueErasuresWorkflow.run, id="erasure-sweep-test", task_queue="erasure-sweep-test"
        )
        assert await handle.result() == 3
    assert calls == [()]
    # What the history holds: no workflow input, no activity input, a number as result.
    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    scheduled = [
        e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert not started.input.payloads
    assert len(scheduled) == 1 and not scheduled[0].input.payloads
