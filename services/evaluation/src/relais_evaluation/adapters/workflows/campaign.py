"""Temporal: one ``CampaignWorkflow`` per campaign (id ``campaign-<uuid>``), holding its deadlines.

For each milestone (the mid-term « test d'utilisation » if any, then the final one) it sleeps until the
reminder instant and has the evaluators who have not submitted reminded, then sleeps until the deadline
and records it reached. A closed campaign ends it at its next wake. The history holds ids and instants
only; the instants are computed by the API (Paris time), so the workflow code needs no time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

TASK_QUEUE = "evaluation"
RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10))


def workflow_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


class MilestoneDates(BaseModel):
    milestone: str  # mid_term or final
    remind_at: datetime
    due_at: datetime  # the end of the deadline day


class CampaignInput(BaseModel):
    campaign_id: str
    milestones: list[MilestoneDates]


class StepInput(BaseModel):
    campaign_id: str
    milestone: str


class StepOutput(BaseModel):
    open: bool  # False once the campaign is closed (or was never committed): the workflow ends
    count: int = 0  # evaluators reminded


@workflow.defn
class CampaignWorkflow:
    @workflow.run
    async def run(self, data: CampaignInput) -> str:
        for milestone in sorted(data.milestones, key=lambda m: m.due_at):
            step = StepInput(campaign_id=data.campaign_id, milestone=milestone.milestone)
            if milestone.remind_at > workflow.now():
                await workflow.sleep(milestone.remind_at - workflow.now())
                reminded = await self._step("remind_evaluators", step)
                if not reminded.open:
                    return "closed"
            if milestone.due_at > workflow.now():
                await workflow.sleep(milestone.due_at - workflow.now())
            reached = await self._step("deadline_reached", step)
            if not reached.open:
                return "closed"
        return "deadlines passed"

    async def _step(self, activity: str, step: StepInput) -> StepOutput:
        return await workflow.execute_activity(
            activity,
            step,
            result_type=StepOutput,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )
