"""``evaluation-worker``: the Temporal worker of the campaigns' deadlines and reminders."""

from collections.abc import Callable, Sequence
from typing import Any

from relais_evaluation.adapters.workflows.activities import CampaignActivities
from relais_evaluation.adapters.workflows.campaign import CampaignWorkflow
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import WorkerContext, run_worker


def activities(context: WorkerContext) -> Sequence[Callable[..., Any]]:
    steps = CampaignActivities(context.sessions)
    return [steps.remind_evaluators, steps.deadline_reached]


def main() -> None:
    settings = EvaluationSettings()
    run_worker(settings, task_queue=settings.task_queue, workflows=[CampaignWorkflow], activities=activities)


if __name__ == "__main__":
    main()
