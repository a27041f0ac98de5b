"""``referral-worker``: the Temporal worker of the referral and journey workflows."""

from collections.abc import Callable, Sequence
from typing import Any

from relais_referral.bootstrap import bootstrap
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.activities import ReferralActivities
from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.runners import WorkerContext, run_worker


def activities(context: WorkerContext) -> Sequence[Callable[..., Any]]:
    bound = ReferralActivities(bootstrap(ReferralSettings(), sessions=context.sessions))
    return [bound.escalate, bound.expire, bound.notify_returned, bound.journey_step]


def main() -> None:
    settings = ReferralSettings()
    run_worker(
        settings,
        task_queue=settings.task_queue,
        workflows=[ReferralWorkflow, JourneyWorkflow],
        activities=activities,
    )


if __name__ == "__main__":
    main()
