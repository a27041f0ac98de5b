"""``evaluation-consumer``: every other service's events into the pseudonymised store."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from relais_evaluation.adapters.events.consumer import INGESTED_TOPICS, INGESTION_GROUP, subscribe_ingestion
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import ConsumerContext, run_consumer


def subscriber(
    settings: EvaluationSettings, *, group_id: str | None = None, topics: tuple[str, ...] = INGESTED_TOPICS
) -> Callable[[ConsumerContext], Awaitable[None]]:
    """The ingestion's subscription (the bench replays a backlog with another group and topic)."""

    async def subscribe(context: ConsumerContext) -> None:
        subscribe_ingestion(
            context.broker,
            sessions=context.sessions,
            pact_key=settings.pact_key,
            group_id=group_id or settings.ingestion_group,
            topics=topics,
            dead_letter_topic=context.dead_letter_topic(INGESTION_GROUP),
            max_retries=settings.consumer_max_retries,
            backoff_s=settings.consumer_retry_backoff_s,
            batch_size=settings.ingestion_batch_size,
            erasure_grace=timedelta(seconds=settings.erasure_grace_s),
        )

    return subscribe


def main() -> None:
    settings = EvaluationSettings()
    run_consumer(settings, subscriber(settings))


if __name__ == "__main__":
    main()
