"""``referral-consumer``: FastStream subscribers (inbox projection, Kafka→Temporal bridge)."""

from __future__ import annotations

import asyncio

from faststream import FastStream

from relais_referral.events.consumer import WorkflowBridge, register_subscribers
from relais_referral.events.external import LifeEventsFromPartners
from relais_referral.service_layer.context import PactContext
from relais_referral.settings import ReferralSettings
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.kafka import TopicCatalogue, catalogue_path, make_broker
from relais_shared.telemetry import setup_telemetry
from relais_shared.temporal import connect_temporal


async def build_app(settings: ReferralSettings) -> FastStream:
    provider = setup_telemetry("referral", "consumer")
    broker = make_broker(settings.kafka_bootstrap, "referral-consumer", provider)
    engine = make_engine(settings.database_url)
    client = await connect_temporal(settings.temporal_address, settings.temporal_namespace)
    register_subscribers(
        broker,
        sessions=make_sessionmaker(engine),
        catalogue=TopicCatalogue.load(catalogue_path()),
        bridge=WorkflowBridge(client, settings.task_queue),
        life_events=LifeEventsFromPartners(PactContext.from_settings(settings)),
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
    )
    app = FastStream(broker)

    @app.after_shutdown
    async def _dispose() -> None:
        await engine.dispose()

    return app


async def _main() -> None:
    app = await build_app(ReferralSettings())
    await app.run()


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
