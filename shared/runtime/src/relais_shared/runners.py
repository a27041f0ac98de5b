"""The processes every service runs, each started by an entrypoint of a few lines.

``run_api`` serves the HTTP app; ``run_relay`` publishes the service's outbox; ``run_consumer`` runs its
FastStream subscribers; ``run_worker`` runs its Temporal workflows and activities. Each sets up
telemetry under ``<service>-<process>``, stops cleanly on SIGTERM or SIGINT, and releases what it opened.
"""

from __future__ import annotations

import asyncio
import gc
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from relais_shared.settings import RelaisSettings
from relais_shared.telemetry import get_logger, setup_telemetry

# Each process imports only what it runs (an API needs no Temporal worker, a relay no FastAPI):
# resident memory at rest stays that of its own libraries.
if TYPE_CHECKING:
    from fastapi import FastAPI
    from faststream.kafka import KafkaBroker
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
    from temporalio.client import Client

    from relais_shared.kafka import TopicCatalogue

log = get_logger(__name__)


def run(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Runs ``main(stop)`` until it returns; SIGTERM and SIGINT set ``stop``."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(_main())


def run_api(app: FastAPI, settings: RelaisSettings) -> None:
    """One uvicorn process on ``settings.bind`` (loopback unless told otherwise) and ``settings.api_port``."""
    import uvicorn

    # log_config=None: uvicorn's lines go through the process's JSON logging (telemetry) instead of a
    # text handler of its own; no access log, as a query string may one day carry a name.
    uvicorn.run(
        app,
        host=settings.bind,
        port=settings.api_port,
        log_level="warning",
        log_config=None,
        access_log=False,
    )


def run_relay(settings: RelaisSettings, outbox: Table) -> None:
    """The service's outbox relay (one active per database, others stand by)."""
    from relais_shared.outbox import OutboxRelay

    async def main(stop: asyncio.Event) -> None:
        setup_telemetry(settings.service_name, "relay", trace_file=settings.trace_file)
        relay = OutboxRelay(
            database_url=settings.database_url,
            bootstrap=settings.kafka_bootstrap,
            client_id=f"{settings.service_name}-relay",
            outbox=outbox,
        )
        task = asyncio.create_task(relay.run())
        log.info("relay started")
        await asyncio.wait([task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        relay.stop()
        await task

    run(main)


@dataclass
class ConsumerContext:
    """What a service's subscribers are built from."""

    settings: RelaisSettings
    broker: KafkaBroker
    sessions: async_sessionmaker[AsyncSession]
    catalogue: TopicCatalogue
    resources: AsyncExitStack  # close what the service opens for its handlers (a Temporal client…)

    def dead_letter_topic(self, group: str) -> str:
        return self.catalogue.consumer_groups[group].dead_letter_topic

    async def temporal(self) -> Client:
        from relais_shared.temporal import connect_temporal

        return await connect_temporal(self.settings.temporal_address, self.settings.temporal_namespace)


def run_consumer(settings: RelaisSettings, subscribe: Callable[[ConsumerContext], Awaitable[None]]) -> None:
    """The service's Kafka subscribers (``subscribe`` registers them, see ``reliable_subscriber``).

    FastStream handles SIGTERM and SIGINT itself: it stops consuming, lets the batch in hand finish and
    commits only what was processed.
    """
    from faststream import FastStream

    from relais_shared.db import make_engine, make_sessionmaker
    from relais_shared.kafka import TopicCatalogue, catalogue_path, make_broker

    async def main() -> None:
        provider = setup_telemetry(settings.service_name, "consumer", trace_file=settings.trace_file)
        engine = make_engine(settings.database_url)
        async with AsyncExitStack() as resources:
            resources.push_async_callback(engine.dispose)
            broker = make_broker(settings.kafka_bootstrap, f"{settings.service_name}-consumer", provider)
            context = ConsumerContext(
                settings, broker, make_sessionmaker(engine), TopicCatalogue.load(catalogue_path()), resources
            )
            await subscribe(context)
            settle_garbage_collector()
            await FastStream(broker).run()

    asyncio.run(main())


def settle_garbage_collector() -> None:
    """Keeps the collector off what start-up built, and lets a batch's short-lived objects die young.

    Called once started, by each process that works through batches (consumers, the evaluation rebuild).

    A consumer allocates thousands of objects per batch (envelopes, models, rows). With CPython's
    defaults every few hundred allocations start a collection, and every tenth of those rescans the
    whole heap: the libraries' modules, schemas and validators, hundreds of thousands of objects that
    live as long as the process. On the evaluation's backlog that was a third of the Python time per
    event. ``gc.freeze()`` moves what exists now out of the collector's reach (it is never freed
    anyway); a larger first threshold lets a batch finish before its objects are examined.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@dataclass
class WorkerContext:
    settings: RelaisSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: Client


def run_worker(
    settings: RelaisSettings,
    *,
    task_queue: str,
    workflows: Sequence[type],
    activities: Callable[[WorkerContext], Sequence[Callable[..., Any]]],
    on_start: Callable[[WorkerContext], Awaitable[None]] | None = None,
) -> None:
    """The service's Temporal worker; ``activities`` builds the activity callables from the context.

    ``on_start`` runs once the worker polls (the service's Temporal Schedules, for instance)."""
    from relais_shared.db import make_engine, make_sessionmaker
    from relais_shared.temporal import connect_temporal, make_worker

    async def main(stop: asyncio.Event) -> None:
        setup_telemetry(settings.service_name, "worker", trace_file=settings.trace_file)
        engine = make_engine(settings.database_url, pool_size=5)
        try:
            client = await connect_temporal(settings.temporal_address, settings.temporal_namespace)
            context = WorkerContext(settings, engine, make_sessionmaker(engine), client)
            worker = make_worker(
                client, task_queue=task_queue, workflows=workflows, activities=activities(context)
            )
            async with worker:
                log.info("worker started", task_queue=task_queue)
                if on_start is not None:
                    await on_start(context)
                await stop.wait()
        finally:
            await engine.dispose()

    run(main)
