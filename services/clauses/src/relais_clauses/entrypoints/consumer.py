"""``clauses-consumer``: starts each registered contract's obligation monitor (Kafka → Temporal), and
anonymises the participants the referral service erased and re-keys those it merged."""

from relais_clauses.adapters.events.erasure import ERASURE_GROUP, subscribe_erasures
from relais_clauses.adapters.workflows.starter import MONITOR_GROUP, subscribe_monitor_starts
from relais_clauses.settings import ClausesSettings
from relais_shared.runners import ConsumerContext, run_consumer


async def subscribe(context: ConsumerContext) -> None:
    settings = ClausesSettings()
    subscribe_monitor_starts(
        context.broker,
        client=await context.temporal(),
        task_queue=settings.task_queue,
        sessions=context.sessions,
        dead_letter_topic=context.catalogue.consumer_groups[MONITOR_GROUP].dead_letter_topic,
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
    )
    subscribe_erasures(
        context.broker,
        sessions=context.sessions,
        dead_letter_topic=context.catalogue.consumer_groups[ERASURE_GROUP].dead_letter_topic,
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
    )


def main() -> None:
    run_consumer(ClausesSettings(), subscribe)


if __name__ == "__main__":
    main()
