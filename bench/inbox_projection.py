"""The referral service's inbox projection on a topic and group of the bench's choosing (a replay).

Same broker factory, same reliable subscriber, same handler as ``referral-consumer``; only the
topic and the consumer group differ, so a replayed backlog never reaches the real groups.
"""

from __future__ import annotations

import argparse
import asyncio

from faststream import FastStream

from relais_referral.events.consumer import INBOX_GROUP, subscribe_inbox
from relais_referral.settings import ReferralSettings
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.kafka import TopicCatalogue, catalogue_path, make_broker
from relais_shared.telemetry import setup_telemetry


async def _main(topic: str, group: str) -> None:
    settings = ReferralSettings()
    provider = setup_telemetry("referral", "consumer")
    broker = make_broker(settings.kafka_bootstrap, "bench-inbox-replay", provider)
    engine = make_engine(settings.database_url)
    subscribe_inbox(
        broker,
        sessions=make_sessionmaker(engine),
        dead_letter_topic=TopicCatalogue.load(catalogue_path())
        .consumer_groups[INBOX_GROUP]
        .dead_letter_topic,
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
        topics=(topic,),
        group_id=group,
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
