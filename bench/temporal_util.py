"""Temporal helpers of the bench: wait for a worker, count and clean up what a run started."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from temporalio.api.batch.v1 import BatchOperationTermination
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, StartBatchOperationRequest
from temporalio.client import Client

from bench.procs import Processes


async def wait_for_worker(client: Client, task_queue: str, procs: Processes, timeout: float = 60) -> None:
    """Until a worker polls the task queue (its process started and connected)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        procs.check_alive()
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        if response.pollers:
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no worker polls {task_queue} after {timeout}s")


async def count_open(client: Client, task_queue: str) -> int:
    result = await client.count_workflows(f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'")
    return result.count


async def terminate_task_queue(client: Client, task_queue: str) -> None:
    """Terminates every still-open workflow the bench started on its own task queue (a server-side batch).

    The bench's task queues are its own, so the stack keeps no timers of a bench run behind it.
    """
    with contextlib.suppress(Exception):
        await client.workflow_service.start_batch_operation(
            StartBatchOperationRequest(
                namespace=client.namespace,
                visibility_query=f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'",
                job_id=str(uuid.uuid4()),
                reason="relais bench cleanup",
                termination_operation=BatchOperationTermination(),
            )
        )
