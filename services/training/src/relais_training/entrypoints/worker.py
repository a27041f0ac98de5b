"""``training-worker``: the Temporal worker of the hourly close of started sessions."""

from collections.abc import Callable, Sequence
from typing import Any

from relais_shared.runners import WorkerContext, run_worker
from relais_training.settings import TrainingSettings
from relais_training.workflows import CloseStartedSessionsWorkflow, SessionActivities, ensure_close_schedule


def activities(context: WorkerContext) -> Sequence[Callable[..., Any]]:
    return [SessionActivities(context.sessions).close_started_sessions]


async def schedules(context: WorkerContext) -> None:
    await ensure_close_schedule(context.client, TrainingSettings().task_queue)


def main() -> None:
    settings = TrainingSettings()
    run_worker(
        settings,
        task_queue=settings.task_queue,
        workflows=[CloseStartedSessionsWorkflow],
        activities=activities,
        on_start=schedules,
    )


if __name__ == "__main__":
    main()
