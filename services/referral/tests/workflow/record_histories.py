"""Records the workflow histories replayed by ``test_replay.py``.

Run it when a workflow change is deliberate and made with ``workflow.patched()``, and keep the old files:
    uv run python services/referral/tests/workflow/record_histories.py
"""

import asyncio
import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).parent))
from datetime import timedelta

from temporalio import activity
from temporalio.worker import Worker
from test_referral_workflow import Clock, paris, scheduled, submit_at

from relais_referral.domain.calendar import add_working_days, end_of_day
from relais_referral.domain.deadlines import add_months
from relais_referral.workflows.activities import JourneyStepInput
from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.messages import JourneySnapshot, JourneyWorkflowInput, StatusChanged
from relais_referral.workflows.referral import ReferralWorkflow

OUT = Path(__file__).parent / "histories"


async def record(name: str, scenario) -> None:  # type: ignore[no-untyped-def]
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(Path(sys.prefix) / "bin" / "temporal-test-server"),
    )
    clock = Clock()
    try:
        async with clock.worker(env):
            handle = await scenario(env, clock)
            await handle.result()
            (OUT / f"{name}.json").write_text((await handle.fetch_history()).to_json())
    finally:
        await env.shutdown()


async def expired(env, clock):  # type: ignore[no-untyped-def]
    return await submit_at(env, paris("2026-12-04T17:30"))


async def appointment_then_accepted(env, clock):  # type: ignore[no-untyped-def]
    handle = await submit_at(env, paris("2026-12-07T09:00"))
    await env.sleep(paris("2026-12-07T11:00") - await env.get_current_time())
    clock.status = "appointment_scheduled"
    await handle.signal(ReferralWorkflow.status_changed, scheduled(paris("2026-12-11T14:00")))
    await env.sleep(paris("2026-12-15T10:00") - await env.get_current_time())
    await handle.signal(ReferralWorkflow.status_changed, StatusChanged(status="accepted"))
    return handle


@activity.defn(name="journey_step")
async def journey_step(data: JourneyStepInput) -> bool:
    return True


async def record_journey(name: str) -> None:
    """A person left without référent (reported after five working days), then a référent, then an exit
    whose three follow-ups are asked in turn: the workflow ends after the last one."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(Path(sys.prefix) / "bin" / "temporal-test-server"),
    )
    try:
        async with Worker(
            env.client, task_queue="journey", workflows=[JourneyWorkflow], activities=[journey_step]
        ):
            start = paris("2026-12-04T10:00")
            await env.sleep(start - await env.get_current_time())
            since = start.date()
            due = end_of_day(add_working_days(since, 5, "44"))
            handle = await env.client.start_workflow(
                JourneyWorkflow.run,
                JourneyWorkflowInput(jobseeker_id="6f0e2d1c-3b4a-4c5d-8e9f-0a1b2c3d4e5f"),
                id="journey-6f0e2d1c-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
                task_queue="journey",
                start_signal="journey_changed",
                start_signal_args=[
                    JourneySnapshot(
                        version=1, in_pact=True, unaccompanied_since=since, unaccompanied_due_at=due
                    )
                ],
            )
            await env.sleep(due - await env.get_current_time() + timedelta(hours=1))
            await handle.signal(JourneyWorkflow.journey_changed, JourneySnapshot(version=2, in_pact=True))
            exit_on = paris("2027-01-15T10:00").date()
            follow_ups = [end_of_day(add_months(exit_on, months)) for months in (3, 6, 12)]
            await handle.signal(
                JourneyWorkflow.journey_changed,
                JourneySnapshot(version=3, in_pact=False, follow_ups_at=follow_ups),
            )
            await handle.result()
            (OUT / f"{name}.json").write_text((await handle.fetch_history()).to_json())
    finally:
        await env.shutdown()


async def main() -> None:
    await record("referral_expired_v1", expired)
    await record("referral_appointment_accepted_v1", appointment_then_accepted)
    await record_journey("journey_unaccompanied_then_exit_v1")


if __name__ == "__main__":
    asyncio.run(main())
