"""The trivial workflow of the Temporal ceiling, and its one Python worker (run as its own process).

Plain SDK defaults on purpose (default data converter, no interceptors): the ceiling is what
Temporal and the Python SDK can do at best, before anything Relais adds.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn(name="BenchTrivialWorkflow")
class TrivialWorkflow:
    @workflow.run
    async def run(self, value: str) -> str:
        return value


async def _serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(client, task_queue=task_queue, workflows=[TrivialWorkflow]):
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    asyncio.run(_serve(args.address, args.task_queue))


if __name__ == "__main__":
    main()
