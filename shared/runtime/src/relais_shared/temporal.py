"""Temporal client and worker factories (pydantic data converter, OpenTelemetry tracing interceptor), and
the services' periodic work as Temporal Schedules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

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
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker


async def connect_temporal(address: str, namespace: str = "default") -> Client:
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
    )


def make_worker(
    client: Client,
    *,
    task_queue: str,
    workflows: Sequence[type],
    activities: Sequence[Callable[..., Any]],
) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=workflows, activities=activities)


async def ensure_schedule(
    client: Client,
    schedule_id: str,
    run: Any,
    task_queue: str,
    every: timedelta,
    args: Sequence[Any] = (),
) -> str:
    """A workflow started every ``every`` on ``task_queue``: created by the first worker to start, brought
    to the caller's definition by the next ones (every worker of a service calls it at start).

    One run at a time (an overlapping start is skipped); a run missed while no worker was up is caught up
    within one interval only, since the next run does the same work. The workflow id is the schedule's."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(run, args=list(args), id=schedule_id, task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=max(every, timedelta(minutes=1))
        ),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        # Created by an earlier start or another worker: bring it to this version's definition.
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
    return schedule_id
