"""The evaluation service's ingestion on a topic and group of the bench's choosing (a backlog replay).

Same broker factory, same reliable subscriber, same batch handler as ``evaluation-consumer``; only the
topic and the consumer group differ.
"""

from __future__ import annotations

import argparse
import asyncio

from faststream import FastStream

from relais_evaluation.adapters.events.consumer import INGESTION_GROUP, subscribe_ingestion
from relais_evaluation.settings import EvaluationSettings
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.kafka import TopicCatalogue, catalogue_path, make_broker
from relais_shared.telemetry import setup_telemetry


async def _main(topic: str, group: str) -> None:
    settings = EvaluationSettings()
    provider = setup_telemetry("evaluation", "consumer")
    broker = make_broker(settings.kafka_bootstrap, "bench-evaluation-ingestion", provider)
    engine = make_engine(settings.database_url)
    subscribe_ingestion(
        broker,
        sessions=make_sessionmaker(engine),
        pact_key=settings.pact_key,
        group_id=group,
        topics=(topic,),
        dead_letter_topic=TopicCatalogue.load(catalogue_path())
        .consumer_groups[INGESTION_GROUP]
        .dead_letter_topic,
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
        batch_size=settings.ingestion_batch_size,
    )
    app = FastStream(broker)

    @app.after_shutdown
    async def _dispose() -> None:
        await engine.dispose()

    await app.run()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    args = parser.parse_args()
    asyncio.run(_main(args.topic, args.group))


if __name__ == "__main__":
    main()
