"""JourneyWorkflow on the time-skipping server: unaccompanied detection and outcome follow-ups."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_referral.domain.calendar import add_working_days, end_of_day
from relais_referral.domain.deadlines import add_months
from relais_referral.workflows.activities import JourneyStepInput
from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.messages import JourneySnapshot, JourneyWorkflowInput

PARIS = ZoneInfo("Europe/Paris")


class Steps:
    def __init__(self) -> None:
        self.done: list[tuple[str, datetime, date | None]] = []

    @activity.defn(name="journey_step")
    async def journey_step(self, data: JourneyStepInput) -> bool:
        self.done.append((data.kind, activity.info().scheduled_time, data.since))
        return True


async def start(env: WorkflowEnvironment, steps: Steps, snapshot: JourneySnapshot) -> object:
    person = uuid.uuid4()
    return await env.client.start_workflow(
        JourneyWorkflow.run,
        JourneyWorkflowInput(jobseeker_id=str(person)),
        id=f"journey-{person}",
        task_queue="journey-test",
        start_signal="journey_changed",
        start_signal_args=[snapshot],
    )


async def test_a_person_left_without_referent_for_five_working_days_is_reported_unaccompanied(
    env: WorkflowEnvironment,
) -> None:
    steps = Steps()
    now = await env.get_current_time()
    since = now.astimezone(PARIS).date()
    due = end_of_day(add_working_days(since, 5, "44"))
    async with Worker(
        env.client, task_queue="journey-test", workflows=[JourneyWorkflow], activities=[steps.journey_step]
    ):
        handle = await start(
            env,
            steps,
            JourneySnapshot(version=1, in_pact=True, unaccompanied_since=since, unaccompanied_due_at=due),
        )
        await env.sleep(due - now + timedelta(minutes=1))
        assert [(kind, s) for kind, _, s in steps.done] == [("unaccompanied", since)]
        assert due <= steps.done[0][1] < due + timedelta(seconds=5)
        # A référent is designated: nothing more to time while the person is accompanied.
        await handle.signal(
            JourneyWorkflow.journey_changed,  # type: ignore[attr-defined]
            JourneySnapshot(version=2, in_pact=True),
        )
        await env.sleep(timedelta(days=60))
        assert len(steps.done) == 1


async def test_after_exit_the_referent_is_asked_at_three_six_and_twelve_months_then_the_journey_ends(
    env: WorkflowEnvironment,
) -> None:
    steps = Steps()
    now = await env.get_current_time()
    exited = now.astimezone(PARIS).date()
    follow_ups = [end_of_day(add_months(exited, months)) for months in (3, 6, 12)]
    async with Worker(
        env.client, task_queue="journey-test", workflows=[JourneyWorkflow], activities=[steps.journey_step]
    ):
        handle = await start(env, steps, JourneySnapshot(version=1, in_pact=False, follow_ups_at=follow_ups))
        status = await handle.result()  # type: ignore[attr-defined]
    assert not status.in_pact
    assert [kind for kind, _, _ in steps.done] == ["follow_up"] * 3
    for (_, at, _), wanted in zip(steps.done, follow_ups, strict=True):
        assert wanted <= at < wanted + timedelta(seconds=5)


async def test_a_stale_snapshot_never_overrides_a_newer_one(env: WorkflowEnvironment) -> None:
    steps = Steps()
    now = await env.get_current_time()
    async with Worker(
        env.client, task_queue="journey-test", workflows=[JourneyWorkflow], activities=[steps.journey_step]
    ):
        handle = await start(env, steps, JourneySnapshot(version=5, in_pact=True))
        stale = JourneySnapshot(
            version=4,
            in_pact=True,
            unaccompanied_since=now.date(),
            unaccompanied_due_at=now + timedelta(days=1),
        )
        await handle.signal(JourneyWorkflow.journey_changed, stale)  # type: ignore[attr-defined]
        await env.sleep(timedelta(days=3))
        assert steps.done == []


async def test_a_long_journey_continues_as_new_and_keeps_its_state_and_its_timer(
    env: WorkflowEnvironment,
) -> None:
    from temporalio.client import WorkflowExecutionStatus

    steps = Steps()
    now = await env.get_current_time()
    since = now.astimezone(PARIS).date()
    due = end_of_day(add_working_days(since, 5, "44"))
    person = uuid.uuid4()
    async with Worker(
        env.client, task_queue="journey-test", workflows=[JourneyWorkflow], activities=[steps.journey_step]
    ):
        first = await env.client.start_workflow(
            JourneyWorkflow.run,
            JourneyWorkflowInput(jobseeker_id=str(person), signals_before_continue_as_new=3),
            id=f"journey-{person}",
            task_queue="journey-test",
        )
        for version in range(1, 5):  # the fourth snapshot arrives after the third made it start afresh
            await first.signal(
                JourneyWorkflow.journey_changed,
                JourneySnapshot(  # type: ignore[attr-defined]
                    version=version, in_pact=True, unaccompanied_since=since, unaccompanied_due_at=due
                ),
            )
        await env.sleep(timedelta(hours=1))
        first_run = env.client.get_workflow_handle(f"journey-{person}", run_id=first.result_run_id)
        assert (await first_run.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
        await env.sleep(due - await env.get_current_time() + timedelta(minutes=1))
        latest = env.client.get_workflow_handle(f"journey-{person}")
        status = await latest.query(JourneyWorkflow.status)  # type: ignore[attr-defined]
        assert status.unaccompanied_since == since
        assert [kind for kind, _, _ in steps.done] == ["unaccompanied"]  # rang once, in the new run
