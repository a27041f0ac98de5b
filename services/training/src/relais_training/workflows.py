"""``CloseStartedSessionsWorkflow``: each hour, the sessions whose first day came become running and
their waitlist closes (each waiting person goes back to their counsellor through the outbox).

Why a Temporal Schedule started by the training worker: one run at a time however many workers run, a
failed run retried with the activity's policy, each run visible in the Temporal UI (the referral
service's housekeeping is built the same way). The workflow's history holds a count, never an id of a
person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy

CLOSE_EVERY = timedelta(hours=1)
CLOSE_TIMEOUT = timedelta(minutes=5)
CLOSE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5))


@dataclass
class SessionActivities:
    sessions: Any  # async_sessionmaker of the training database

    @activity.defn(name="close_started_sessions")
    async def close_started_sessions(self) -> int:
        """Batch after batch, each in its own transaction with its events (outbox); twice does no harm."""
        from relais_training import service_layer as handlers

        closed = 0
        while True:
            async with handlers.UnitOfWork(self.sessions) as uow:
                batch = await handlers.close_started_sessions(uow)
            closed += batch
            if batch == 0:
                return closed


@workflow.defn
class CloseStartedSessionsWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity_method(
            SessionActivities.close_started_sessions,
            start_to_close_timeout=CLOSE_TIMEOUT,
            retry_policy=CLOSE_RETRY,
        )


def close_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-close-started-sessions"


async def ensure_close_schedule(client: Client, task_queue: str, every: timedelta = CLOSE_EVERY) -> str:
    from relais_shared.temporal import ensure_schedule

    return await ensure_schedule(
        client, close_schedule_id(task_queue), CloseStartedSessionsWorkflow.run, task_queue, every
    )
