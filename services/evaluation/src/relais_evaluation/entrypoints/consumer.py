"""``evaluation-consumer``: every other service's events into the pseudonymised store."""

from relais_evaluation.adapters.events.consumer import INGESTION_GROUP, subscribe_ingestion
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import ConsumerContext, run_consumer


async def subscribe(context: ConsumerContext) -> None:
    settings = EvaluationSettings()
    subscribe_ingestion(
        context.broker,
        sessions=context.sessions,
        pact_key=settings.pact_key,
        group_id=settings.ingestion_group,
        dead_letter_topic=context.dead_letter_topic(INGESTION_GROUP),
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
        batch_size=settings.ingestion_batch_size,
    )


def main() -> None:
    run_consumer(EvaluationSettings(), subscribe)


if __name__ == "__main__":
    main()
