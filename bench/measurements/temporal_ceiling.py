"""Raw Temporal ceiling: trivial workflows started and completed by one Python worker on the dev server."""

from __future__ import annotations

import asyncio
import time

from temporalio.client import Client

from bench.core import BenchContext, Figure
from bench.procs import Processes, stack_pids
from bench.profiling import CpuMeter
from bench.registry import measurement
from bench.temporal_util import terminate_task_queue, wait_for_worker
from bench.trivial_workflow import TrivialWorkflow

IN_FLIGHT = 50


async def run_batch(client: Client, task_queue: str, prefix: str, count: int) -> float:
    """Workflows completed per second, from the first start to the last result."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int) -> None:
        async with gate:
            await client.execute_workflow(
                TrivialWorkflow.run, "ok", id=f"{prefix}-{i}", task_queue=task_queue
            )

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - began)


@measurement("temporal.ceiling", kind="ceiling", order=20)
async def temporal_ceiling(ctx: BenchContext) -> list[Figure]:
    """Trivial workflows per second, started and completed through one Python worker."""
    count = ctx.sizes.pick(400, 40)
    task_queue = f"bench-trivial-{ctx.run_id}"
    client = await Client.connect(ctx.stack.temporal_address)
    rates: list[float] = []
    per_workflow: list[dict[str, float]] = []  # CPU ms per workflow, by process
    with Processes(ctx.work_dir) as procs:
        worker = procs.start_module(
            "trivial-worker",
            "bench.trivial_workflow",
            ctx.service_env(),
            "--address",
            ctx.stack.temporal_address,
            "--task-queue",
            task_queue,
        )
        await wait_for_worker(client, task_queue, procs)
        await run_batch(client, task_queue, f"bench-warmup-{ctx.run_id}", 20)
        meter = CpuMeter(
            {"temporal": stack_pids(ctx.stack.state, ctx.stack.pg_data)["temporal"], "worker": worker.pid}
        )
        for i in range(ctx.repeats()):
            meter.start()
            rates.append(await run_batch(client, task_queue, f"bench-trivial-{ctx.run_id}-{i}", count))
            cpu = meter.stop()
            per_workflow.append({name: round(10 * share / rates[-1], 1) for name, share in cpu.items()})
    await terminate_task_queue(client, task_queue)
    return [
        Figure(
            "ceiling.temporal.workflows",
            "Temporal dev server, trivial workflows started and completed, one Python worker",
            "wf/s",
            rates,
            notes=f"{count} workflows per repeat, {IN_FLIGHT} in flight, SDK defaults"
            + (f"; CPU ms per workflow (last repeat): {per_workflow[-1]}" if per_workflow else ""),
            extra={"cpu_ms_per_workflow": per_workflow},
        )
    ]
