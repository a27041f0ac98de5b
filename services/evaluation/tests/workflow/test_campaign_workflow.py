"""The campaign's deadlines and reminders on Temporal's time-skipping server (activities faked)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_evaluation.adapters.workflows.campaign import (
    CampaignInput,
    CampaignWorkflow,
    StepInput,
    StepOutput,
)
from relais_evaluation.service_layer.campaigns import PARIS, milestones


class FakeSteps:
    def __init__(self, closed_after: int | None = None) -> None:
        self.calls: list[tuple[str, str, datetime]] = []
        self.closed_after = closed_after

    def _record(self, name: str, step: StepInput) -> StepOutput:
        self.calls.append((name, step.milestone, activity.info().current_attempt_scheduled_time))
        return StepOutput(open=self.closed_after is None or len(self.calls) <= self.closed_after, count=1)

    @activity.defn(name="remind_evaluators")
    async def remind(self, step: StepInput) -> StepOutput:
        return self._record("remind", step)

    @activity.defn(name="deadline_reached")
    async def reached(self, step: StepInput) -> StepOutput:
        return self._record("deadline", step)


async def run(env: WorkflowEnvironment, steps: FakeSteps, mid: date | None, final: date) -> str:
    data = CampaignInput.model_validate(
        {"campaign_id": str(uuid.uuid4()), "milestones": milestones(mid, final, 7)}
    )
    async with Worker(
        env.client,
        task_queue="campaigns-test",
        workflows=[CampaignWorkflow],
        activities=[steps.remind, steps.reached],
    ):
        return str(
            await env.client.execute_workflow(
                CampaignWorkflow.run, data, id=f"campaign-{data.campaign_id}", task_queue="campaigns-test"
            )
        )


async def test_evaluators_are_reminded_seven_days_before_each_deadline_which_is_then_recorded(
    env: WorkflowEnvironment,
) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    mid, final = today + timedelta(days=30), today + timedelta(days=90)
    steps = FakeSteps()
    assert await run(env, steps, mid, final) == "deadlines passed"
    when = [(name, milestone, at.astimezone(PARIS)) for name, milestone, at in steps.calls]
    assert [(n, m) for n, m, _ in when] == [
        ("remind", "mid_term"),
        ("deadline", "mid_term"),
        ("remind", "final"),
        ("deadline", "final"),
    ]
    assert (when[0][2].date(), when[0][2].hour) == (mid - timedelta(days=7), 9)
    assert when[1][2].date() == mid + timedelta(days=1) and when[1][2].hour == 0  # the deadline day is over
    assert (when[2][2].date(), when[3][2].date()) == (final - timedelta(days=7), final + timedelta(days=1))


async def test_a_closed_campaign_ends_its_workflow_at_the_next_step(env: WorkflowEnvironment) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    steps = FakeSteps(closed_after=0)  # closed before its first reminder
    assert await run(env, steps, None, today + timedelta(days=60)) == "closed"
    assert [name for name, _, _ in steps.calls] == ["remind"]


async def test_a_deadline_too_close_for_a_reminder_still_gets_recorded(env: WorkflowEnvironment) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    steps = FakeSteps()
    await run(env, steps, None, today + timedelta(days=2))
    assert [name for name, _, _ in steps.calls] == ["deadline"]
