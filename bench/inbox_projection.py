"""The referral service's inbox projection on a topic and group of the bench's choosing (a replay).

Run as ``referral-consumer`` runs its subscribers (``run_consumer``: same broker, same reliable subscriber,
same handler, same process settings); only the topic and the consumer group differ, so a replayed
backlog never reaches the real groups.
"""

from __future__ import annotations

import argparse

from relais_referral.events.consumer import INBOX_GROUP, subscribe_inbox
from relais_referral.settings import ReferralSettings
from relais_shared.runners import ConsumerContext, run_consumer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    args = parser.parse_args()
    settings = ReferralSettings()

    async def subscribe(context: ConsumerContext) -> None:
        subscribe_inbox(
            context.broker,
            sessions=context.sessions,
            dead_letter_topic=context.dead_letter_topic(INBOX_GROUP),
            max_retries=settings.consumer_max_retries,
            backoff_s=settings.consumer_retry_backoff_s,
            topics=(args.topic,),
            group_id=args.group,
        )

    run_consumer(settings, subscribe)


if __name__ == "__main__":
    main()
