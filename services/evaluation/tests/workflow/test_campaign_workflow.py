"""The campaign's deadlines and reminders on Temporal's time-skipping server (activities faked)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_evaluation.adapters.api.campaigns import replan
from relais_evaluation.adapters.workflows.campaign import (
    CampaignInput,
    CampaignWorkflow,
    DeadlinesMoved,
    StepInput,
    StepOutput,
    workflow_id,
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
    async with worker(env, steps):
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


def at_paris(calls: list[tuple[str, str, datetime]]) -> list[tuple[str, str, date, int]]:
    return [(name, m, at.astimezone(PARIS).date(), at.astimezone(PARIS).hour) for name, m, at in calls]


async def start(env: WorkflowEnvironment, mid: date | None, final: date) -> tuple[str, Any]:
    data = CampaignInput.model_validate(
        {"campaign_id": str(uuid.uuid4()), "milestones": milestones(mid, final, 7)}
    )
    handle = await env.client.start_workflow(
        CampaignWorkflow.run, data, id=workflow_id(data.campaign_id), task_queue="campaigns-test"
    )
    return data.campaign_id, handle


def moved(mid: date | None, final: date) -> DeadlinesMoved:
    return DeadlinesMoved.model_validate({"milestones": milestones(mid, final, 7)})


def worker(env: WorkflowEnvironment, steps: FakeSteps) -> Worker:
    return Worker(
        env.client,
        task_queue="campaigns-test",
        workflows=[CampaignWorkflow],
        activities=[steps.remind, steps.reached],
    )


async def test_a_deadline_moved_later_reminds_and_is_reached_at_the_new_instants_not_the_old(
    env: WorkflowEnvironment,
) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    final, later = today + timedelta(days=60), today + timedelta(days=90)
    steps = FakeSteps()
    async with worker(env, steps):
        _cid, handle = await start(env, None, final)
        await env.sleep(timedelta(days=10))
        await handle.signal(CampaignWorkflow.move_deadlines, moved(None, later))
        assert await handle.result() == "deadlines passed"
    assert at_paris(steps.calls) == [
        ("remind", "final", later - timedelta(days=7), 9),
        ("deadline", "final", later + timedelta(days=1), 0),
    ]


async def test_a_deadline_moved_earlier_wakes_the_workflow_before_the_old_reminder(
    env: WorkflowEnvironment,
) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    mid, final, sooner = today + timedelta(days=30), today + timedelta(days=90), today + timedelta(days=20)
    steps = FakeSteps()
    async with worker(env, steps):
        _cid, handle = await start(env, mid, final)
        await env.sleep(timedelta(days=2))
        await handle.signal(CampaignWorkflow.move_deadlines, moved(sooner, final))
        await handle.result()
    assert at_paris(steps.calls)[:2] == [
        ("remind", "mid_term", sooner - timedelta(days=7), 9),
        ("deadline", "mid_term", sooner + timedelta(days=1), 0),
    ]
    assert [(n, m) for n, m, _d, _h in at_paris(steps.calls)[2:]] == [
        ("remind", "final"),
        ("deadline", "final"),
    ]


async def test_a_reminder_already_sent_runs_again_only_for_a_later_reminder_instant(
    env: WorkflowEnvironment,
) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    final = today + timedelta(days=30)

    async def until(day: int) -> None:  # the evening of ``today + day``, Paris time
        evening = datetime.combine(today + timedelta(days=day), time(21), PARIS)
        await env.sleep(evening - await env.get_current_time())

    steps = FakeSteps()
    async with worker(env, steps):
        _cid, handle = await start(env, None, final)
        await until(23)  # reminded this morning
        # Two days later: the new reminder instant (day 25) is later than the one sent: the step runs
        # again then (the activity reminds only evaluators not reminded yet, see remind_evaluators).
        await handle.signal(CampaignWorkflow.move_deadlines, moved(None, final + timedelta(days=2)))
        await until(25)
        # Back to day 30: its reminder instant (day 23) is not later than the last sent: no new step.
        await handle.signal(CampaignWorkflow.move_deadlines, moved(None, final))
        await handle.result()
    assert at_paris(steps.calls) == [
        ("remind", "final", final - timedelta(days=7), 9),
        ("remind", "final", final - timedelta(days=5), 9),
        ("deadline", "final", final + timedelta(days=1), 0),
    ]


async def test_a_deadline_moved_after_the_workflow_ended_starts_it_again(env: WorkflowEnvironment) -> None:
    today = (await env.get_current_time()).astimezone(PARIS).date()
    steps = FakeSteps()
    async with worker(env, steps):
        cid, handle = await start(env, None, today + timedelta(days=2))
        assert await handle.result() == "deadlines passed"
        now = (await env.get_current_time()).astimezone(PARIS).date()
        again = now + timedelta(days=20)
        restarted = await replan(env.client, cid, milestones(None, again, 7), "campaigns-test")
        assert restarted.result_run_id != handle.result_run_id
        assert await restarted.result() == "deadlines passed"
    assert at_paris(steps.calls)[1:] == [
        ("remind", "final", again - timedelta(days=7), 9),
        ("deadline", "final", again + timedelta(days=1), 0),
    ]


@workflow.defn(name="CampaignWorkflowFirstVersion", sandboxed=False)
class FirstVersion(CampaignWorkflow):
    """A run of the first version, as a campaign started before the deadlines could move goes on."""

    @workflow.run
    async def run(self, data: CampaignInput) -> str:
        return await self._run_v1(data)


async def test_a_run_of_the_first_version_moved_keeps_the_reminder_it_woke_for_when_its_milestone_stayed(
    env: WorkflowEnvironment,
) -> None:
    # Started before the deploy: mid-term and final. Only the final deadline moves; at the mid-term
    # reminder the run wakes, reminds (that milestone did not move), then goes on with the moved plan.
    today = (await env.get_current_time()).astimezone(PARIS).date()
    mid, final, later = today + timedelta(days=30), today + timedelta(days=90), today + timedelta(days=120)
    steps = FakeSteps()
    data = CampaignInput.model_validate(
        {"campaign_id": str(uuid.uuid4()), "milestones": milestones(mid, final, 7)}
    )
    async with Worker(
        env.client,
        task_queue="campaigns-test",
        workflows=[FirstVersion],
        activities=[steps.remind, steps.reached],
    ):
        handle = await env.client.start_workflow(
            FirstVersion.run, data, id=workflow_id(data.campaign_id), task_queue="campaigns-test"
        )
        await env.sleep(timedelta(days=5))
        await handle.signal(CampaignWorkflow.move_deadlines, moved(mid, later))
        assert await handle.result() == "deadlines passed"
    assert at_paris(steps.calls) == [
        ("remind", "mid_term", mid - timedelta(days=7), 9),
        ("deadline", "mid_term", mid + timedelta(days=1), 0),
        ("remind", "final", later - timedelta(days=7), 9),
        ("deadline", "final", later + timedelta(days=1), 0),
    ]
