"""Temporal: one ObligationMonitorWorkflow per contract, started when the contract is registered.

It sleeps until the next day with something to decide (a period's declaration due, the day the pace
no longer reaches the requirement, the end of the contract plus the grace period), runs the check on
that day, and ends once the obligation is reconciled. The history holds ids, instants and dates only.
Deterministic code only: no time zone here — the activity (``activities.py``) turns the workflow's
instant into the Paris day, and gives back the next instant to wake at.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

CHECK_HOUR = 6  # checks run early in the morning, Paris time
MAX_CHECKS_PER_RUN = 100  # then continue-as-new, to keep the history short


class MonitorInput(BaseModel):
    contract_id: str


class CheckInput(BaseModel):
    contract_id: str
    at: datetime  # the workflow's now: the check is for that day in Paris


class CheckOutput(BaseModel):
    done: bool
    next_wake: date | None
    wake_at: datetime | None  # CHECK_HOUR, Paris time, on ``next_wake``
    at_risk: bool
    reminders: int
    reconciled: bool


@workflow.defn
class ObligationMonitorWorkflow:
    @workflow.run
    async def run(self, data: MonitorInput) -> str:
        for _ in range(MAX_CHECKS_PER_RUN):
            result = await workflow.execute_activity(
                "check_obligation",
                CheckInput(contract_id=data.contract_id, at=workflow.now()),
                result_type=CheckOutput,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10)
                ),
            )
            if result.done or result.wake_at is None:
                return "reconciled"
            await workflow.sleep(max(result.wake_at - workflow.now(), timedelta(seconds=1)))
        workflow.continue_as_new(data)
