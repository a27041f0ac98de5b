"""Temporal helpers of the bench: wait for a worker, watch a task queue's backlog, clean up a run."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from temporalio.api.batch.v1 import BatchOperationTermination
from temporalio.api.enums.v1 import BatchOperationState, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import (
    DescribeBatchOperationRequest,
    DescribeTaskQueueRequest,
    StartBatchOperationRequest,
)
from temporalio.client import Client

from bench.procs import Processes


def _describe(client: Client, task_queue: str, stats: bool = False) -> DescribeTaskQueueRequest:
    return DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        report_stats=stats,
    )


async def wait_for_worker(client: Client, task_queue: str, procs: Processes, timeout: float = 60) -> None:
    """Until a worker polls the task queue (its process started and connected)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        procs.check_alive()
        response = await client.workflow_service.describe_task_queue(_describe(client, task_queue))
        if response.pollers:
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no worker polls {task_queue} after {timeout}s")


async def workflow_backlog(client: Client, task_queue: str) -> int:
    """Workflow tasks waiting for a worker on the task queue (the server's approximate count)."""
    response = await client.workflow_service.describe_task_queue(_describe(client, task_queue, stats=True))
    return int(response.stats.approximate_backlog_count)


async def terminate_task_queue(client: Client, task_queue: str, wait_s: float = 0) -> None:
    """Terminates every still-open workflow the bench started on its own task queue (a server-side batch).

    The bench's task queues are its own, so the stack keeps no timers of a bench run behind it. With
    ``wait_s`` the call waits for the batch to finish, so that its work does not run into the next
    measurement (or into the next start of the stack, which would resume it).
    """
    job_id = str(uuid.uuid4())
    with contextlib.suppress(Exception):
        await client.workflow_service.start_batch_operation(
            StartBatchOperationRequest(
                namespace=client.namespace,
                visibility_query=f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'",
                job_id=job_id,
                reason="relais bench cleanup",
                max_operations_per_second=1000,
                termination_operation=BatchOperationTermination(),
            )
        )
        deadline = asyncio.get_running_loop().time() + wait_s
        while asyncio.get_running_loop().time() < deadline:
            state = await client.workflow_service.describe_batch_operation(
                DescribeBatchOperationRequest(namespace=client.namespace, job_id=job_id)
            )
            if state.state != BatchOperationState.BATCH_OPERATION_STATE_RUNNING:
                return
            await asyncio.sleep(1)
