"""``evaluation-worker``: the Temporal worker of the campaigns' deadlines and reminders, and of the
erasure sweep."""

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from relais_evaluation.adapters.workflows.activities import CampaignActivities, ErasureActivities
from relais_evaluation.adapters.workflows.campaign import CampaignWorkflow
from relais_evaluation.adapters.workflows.erasures import ApplyDueErasuresWorkflow, ensure_erasure_schedule
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import WorkerContext, run_worker


def activities(context: WorkerContext) -> Sequence[Callable[..., Any]]:
    settings = EvaluationSettings()
    steps = CampaignActivities(context.sessions)
    erasures = ErasureActivities(context.sessions, timedelta(seconds=settings.erasure_grace_s))
    return [steps.remind_evaluators, steps.deadline_reached, erasures.apply_due_erasures]


async def schedules(context: WorkerContext) -> None:
    settings = EvaluationSettings()
    await ensure_erasure_schedule(
        context.client, settings.task_queue, timedelta(seconds=settings.erasure_sweep_s)
    )


def main() -> None:
    settings = EvaluationSettings()
    run_worker(
        settings,
        task_queue=settings.task_queue,
        workflows=[CampaignWorkflow, ApplyDueErasuresWorkflow],
        activities=activities,
        on_start=schedules,
    )


if __name__ == "__main__":
    main()
