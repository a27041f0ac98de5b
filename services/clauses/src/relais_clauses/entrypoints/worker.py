"""``clauses-worker``: the Temporal worker of the obligation monitors."""

from collections.abc import Callable, Sequence
from typing import Any

from relais_clauses.adapters.workflows.activities import MonitorActivities
from relais_clauses.adapters.workflows.monitor import ObligationMonitorWorkflow
from relais_clauses.service_layer.monitoring import MonitorPolicy
from relais_clauses.settings import ClausesSettings
from relais_shared.runners import WorkerContext, run_worker


def activities(context: WorkerContext) -> Sequence[Callable[..., Any]]:
    settings = ClausesSettings()
    policy = MonitorPolicy(settings.declaration_grace_days, settings.observation_days)
    return [MonitorActivities(context.sessions, policy).check_obligation]


def main() -> None:
    settings = ClausesSettings()
    run_worker(
        settings, task_queue=settings.task_queue, workflows=[ObligationMonitorWorkflow], activities=activities
    )


if __name__ == "__main__":
    main()
