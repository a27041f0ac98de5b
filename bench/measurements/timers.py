"""Timers: 10,000 open referral workflows waiting on their acknowledgement deadline.

A fresh ``referral-worker`` serves a task queue of the bench; the workflows are started with the
same client settings as the Kafka→Temporal bridge, with deadlines weeks ahead, so that each ends
its first workflow task waiting on a timer. Figures: the start rate, the worker's memory before and
with them all open, and the history each one holds. The bench terminates them afterwards.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from temporalio.client import Client

from bench.core import BenchContext, Figure, Target
from bench.procs import Processes, rss_mb
from bench.referral_fixture import referral_env
from bench.registry import measurement
from bench.temporal_util import terminate_task_queue, wait_for_worker, workflow_backlog
from relais_referral.workflows.messages import ReferralWorkflowInput
from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.temporal import connect_temporal

IN_FLIGHT = 64


async def waiting_on_timer(client: Client, workflow_id: str) -> tuple[int, int] | None:
    """(history events, history bytes) once the first workflow task has set the timer, else None."""
    description = await client.get_workflow_handle(workflow_id).describe()
    info = description.raw_description.workflow_execution_info
    if info.history_length >= 5:  # started, task scheduled/started/completed, timer started
        return info.history_length, info.history_size_bytes
    return None


@measurement("referral.timers", kind="relais", order=40)
async def timers(ctx: BenchContext) -> list[Figure]:
    """10,000 open ReferralWorkflows waiting on deadlines: start rate, worker memory, history size."""
    count = ctx.sizes.pick(10_000, 300)
    task_queue = f"bench-timers-{ctx.run_id}"
    client = await connect_temporal(ctx.stack.temporal_address)
    ids = [f"referral-bench-{ctx.run_id}-{uuid.uuid4()}" for _ in range(count)]
    with Processes(ctx.work_dir) as procs:
        try:
            proc = procs.start_module(
                "timers-worker",
                "relais_referral.entrypoints.worker",
                referral_env(ctx, ctx.sqlalchemy_url("relais_referral"), task_queue, 0),
            )
            await wait_for_worker(client, task_queue, procs)
            await asyncio.sleep(2)
            rest = rss_mb(proc.pid)
            deadline = datetime.now(UTC) + timedelta(days=40)
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def start(workflow_id: str) -> None:
                async with gate:
                    await client.start_workflow(
                        ReferralWorkflow.run,
                        ReferralWorkflowInput(
                            referral_id=workflow_id.removeprefix("referral-"),
                            sender_org_id=str(uuid.uuid4()),
                            receiver_org_id=str(uuid.uuid4()),
                            reminder_at=deadline,
                            manager_escalation_at=deadline + timedelta(days=2),
                            coordination_escalation_at=deadline + timedelta(days=7),
                            expiry_at=deadline + timedelta(days=30),
                        ),
                        id=workflow_id,
                        task_queue=task_queue,
                    )

            began = time.perf_counter()
            await asyncio.gather(*(start(i) for i in ids))
            start_rate = count / (time.perf_counter() - began)
            # All open and waiting once no first workflow task is left in the task queue's backlog
            # and a sample of them has its timer set.
            settle_deadline = time.perf_counter() + 240
            probe = random.Random(2).sample(ids, min(20, count))
            while time.perf_counter() < settle_deadline:
                procs.check_alive()
                if await workflow_backlog(client, task_queue) == 0 and all(
                    [await waiting_on_timer(client, wid) for wid in probe]
                ):
                    break
                await asyncio.sleep(1.0)
            settled_rate = count / (time.perf_counter() - began)
            await asyncio.sleep(2)
            loaded = rss_mb(proc.pid)
            sample = random.Random(1).sample(ids, min(50, count))
            histories = [h for h in [await waiting_on_timer(client, wid) for wid in sample] if h]
        finally:
            procs.stop()
            await terminate_task_queue(client, task_queue, wait_s=5)
    events = sorted(h[0] for h in histories)
    sizes = sorted(h[1] for h in histories)
    return [
        Figure(
            "referral.timers.open_rate",
            f"ReferralWorkflows started and waiting on their timer ({count:,})",
            "wf/s",
            [settled_rate],
            ceiling="ceiling.temporal.workflows",
            notes=f"start calls alone {start_rate:.0f}/s, {IN_FLIGHT} in flight; one referral-worker",
        ),
        Figure(
            "rss.timers_worker.rest",
            "referral-worker memory before the timers",
            "MB",
            [rest],
            better="lower",
            target=Target("< 300 MB at rest", max_value=300.0),
        ),
        Figure(
            "rss.timers_worker.open",
            f"referral-worker memory with {count:,} workflows open",
            "MB",
            [loaded],
            better="lower",
            target=Target("< 300 MB at rest", max_value=300.0),
        ),
        Figure(
            "referral.timers.history_bytes",
            "History size of one waiting ReferralWorkflow",
            "bytes",
            [float(sizes[len(sizes) // 2])] if sizes else [],
            better="lower",
            notes=f"median of {len(sizes)} sampled workflows; "
            f"{events[len(events) // 2] if events else '?'} events each",
        ),
    ]
