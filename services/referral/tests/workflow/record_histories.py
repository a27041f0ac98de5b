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
from test_referral_workflow import Clock, paris, scheduled, submit_at

from relais_referral.workflows.messages import StatusChanged
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


async def main() -> None:
    await record("referral_expired_v1", expired)
    await record("referral_appointment_accepted_v1", appointment_then_accepted)


if __name__ == "__main__":
    asyncio.run(main())
