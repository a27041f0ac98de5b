"""``training-consumer``: enrols the people referred to a session, anonymises the people erased, re-keys
the enrolments of a merged duplicate."""

from relais_shared.consumer import reliable_subscriber
from relais_shared.runners import ConsumerContext, run_consumer
from relais_training.consumer import CONTRACTS, GROUP, REFERRAL_TOPIC, handle
from relais_training.models import infra
from relais_training.settings import TrainingSettings


async def _subscribe(context: ConsumerContext) -> None:
    settings = TrainingSettings()
    reliable_subscriber(
        context.broker,
        topics=(REFERRAL_TOPIC,),
        group_id=GROUP,
        dead_letter_topic=context.dead_letter_topic(GROUP),
        sessions=context.sessions,
        processed=infra.processed_events,
        contracts=CONTRACTS,
        handler=handle,
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
    )


def main() -> None:
    run_consumer(TrainingSettings(), _subscribe)


if __name__ == "__main__":
    main()
