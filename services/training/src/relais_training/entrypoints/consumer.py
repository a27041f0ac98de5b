"""``training-consumer``: enrols the people referred to a session, anonymises the people erased."""

from relais_shared.runners import ConsumerContext, run_consumer
from relais_training.consumer import GROUP, subscribe
from relais_training.settings import TrainingSettings


async def _subscribe(context: ConsumerContext) -> None:
    settings = TrainingSettings()
    subscribe(
        context.broker,
        sessions=context.sessions,
        dead_letter_topic=context.dead_letter_topic(GROUP),
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
    )


def main() -> None:
    run_consumer(TrainingSettings(), _subscribe)


if __name__ == "__main__":
    main()
