"""The erasure sweep: a Temporal Schedule of the evaluation worker applies the erasures that are due.

An erasure is applied once its grace period (``RELAIS_EVALUATION_ERASURE_GRACE_S``) has passed since the
ingestion read it. The consumer looks at the end of a batch, but a batch needs an event: with no traffic,
a due erasure would wait for the next one. The schedule ``<task queue>-erasure-sweep`` runs
``ApplyDueErasuresWorkflow`` every ``RELAIS_EVALUATION_ERASURE_SWEEP_S`` whatever the traffic, so a
person is unlinked at most grace + sweep interval after the erasure was read (while a worker runs; a
missed run is caught up within one interval). One run at a time; a run or retry finding nothing due does
nothing. The history holds no subject: no input, a count as result.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client

from relais_evaluation.adapters.workflows.campaign import RETRY
from relais_shared.temporal import ensure_schedule

SWEEP_EVERY = timedelta(minutes=5)


def erasure_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-erasure-sweep"


@workflow.defn
class ApplyDueErasuresWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity(
            "apply_due_erasures",
            result_type=int,
            # It may wait for the cells' lock while an ingestion batch commits.
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )


async def ensure_erasure_schedule(client: Client, task_queue: str, every: timedelta = SWEEP_EVERY) -> str:
    """Every evaluation worker calls it at start; the first creates the schedule, the others update it."""
    return await ensure_schedule(
        client, erasure_schedule_id(task_queue), ApplyDueErasuresWorkflow.run, task_queue, every
    )
