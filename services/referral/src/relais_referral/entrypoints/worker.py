"""``referral-worker``: the Temporal worker of the referral and journey workflows, and of housekeeping."""

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from relais_referral.bootstrap import bootstrap
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.activities import ReferralActivities
from relais_referral.workflows.arrival_mail import ArrivalMailActivities, ReferralArrivalMailWorkflow
from relais_referral.workflows.housekeeping import HousekeepingActivities, PurgeIdempotencyKeysWorkflow
from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.referral import ReferralWorkflow
from relais_referral.workflows.retention import EraseExpiredJobseekersWorkflow, RetentionActivities
from relais_referral.workflows.schedules import (
    ensure_arrival_mail_schedules,
    ensure_erasure_schedule,
    ensure_purge_schedule,
)
from relais_shared.runners import WorkerContext, run_worker


def activities(context: WorkerContext) -> Sequence[Callable[..., Any]]:
    settings = ReferralSettings()
    adapters = bootstrap(settings, sessions=context.sessions)
    bound = ReferralActivities(adapters)
    arrival_mail = ArrivalMailActivities(context.sessions, adapters.notifier, adapters.context)
    retention = RetentionActivities(
        adapters.uow, adapters.context, settings.retention_months, settings.retention_batch
    )
    housekeeping = HousekeepingActivities(
        context.sessions, timedelta(hours=settings.idempotency_retention_hours)
    )
    return [
        bound.escalate,
        bound.expire,
        bound.notify_returned,
        bound.journey_step,
        housekeeping.purge_idempotency_keys,
        retention.erase_expired,
        arrival_mail.send,
    ]


async def schedules(context: WorkerContext) -> None:
    settings = ReferralSettings()
    await ensure_purge_schedule(context.client, settings.task_queue)
    await ensure_arrival_mail_schedules(context.client, settings.task_queue)
    await ensure_erasure_schedule(
        context.client, settings.task_queue, timedelta(hours=settings.erasure_every_hours)
    )


def main() -> None:
    settings = ReferralSettings()
    run_worker(
        settings,
        task_queue=settings.task_queue,
        workflows=[
            ReferralWorkflow,
            JourneyWorkflow,
            PurgeIdempotencyKeysWorkflow,
            EraseExpiredJobseekersWorkflow,
            ReferralArrivalMailWorkflow,
        ],
        activities=activities,
        on_start=schedules,
    )


if __name__ == "__main__":
    main()
