"""``referral-consumer``: FastStream subscribers (inbox projection, Kafka→Temporal bridge, life events,
evaluation reminders to mail)."""

from relais_referral.bootstrap import bootstrap
from relais_referral.events.consumer import WorkflowBridge, register_subscribers
from relais_referral.events.evaluation_reminders import EvaluatorReminders
from relais_referral.events.external import LifeEventsFromPartners
from relais_referral.service_layer.context import PactContext
from relais_referral.settings import ReferralSettings
from relais_shared.runners import ConsumerContext, run_consumer


async def subscribe(context: ConsumerContext) -> None:
    settings = ReferralSettings()
    adapters = bootstrap(settings, sessions=context.sessions)
    register_subscribers(
        context.broker,
        sessions=context.sessions,
        catalogue=context.catalogue,
        bridge=WorkflowBridge(
            await context.temporal(), settings.task_queue, default_departement=settings.default_departement
        ),
        life_events=LifeEventsFromPartners(PactContext.from_settings(settings)),
        max_retries=settings.consumer_max_retries,
        backoff_s=settings.consumer_retry_backoff_s,
        evaluation_reminders=EvaluatorReminders(adapters.notifier, adapters.context.portal_url),
    )


def main() -> None:
    run_consumer(ReferralSettings(), subscribe)


if __name__ == "__main__":
    main()
