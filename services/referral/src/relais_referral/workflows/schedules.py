"""The referral worker's Temporal Schedules, created (or brought up to date) when a worker starts."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from relais_referral.workflows.housekeeping import PurgeIdempotencyKeysWorkflow

PURGE_EVERY = timedelta(hours=1)


def purge_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-idempotency-purge"


async def ensure_purge_schedule(client: Client, task_queue: str, every: timedelta = PURGE_EVERY) -> str:
    """The hourly purge of expired idempotency keys; every worker calls it, the first one creates it.

    Keys are thus kept for their retention and deleted at most ``every`` later. Overlapping runs are
    skipped (one purge at a time); a run missed while no worker was up is not caught up beyond one
    interval, the next one deletes the same rows."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            PurgeIdempotencyKeysWorkflow.run,
            id=purge_schedule_id(task_queue),
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=max(every, timedelta(minutes=1))
        ),
    )
    schedule_id = purge_schedule_id(task_queue)
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        # Created by an earlier start or another worker: bring it to this version's definition.
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
    return schedule_id
