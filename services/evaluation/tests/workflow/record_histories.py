"""Records the campaign workflow histories replayed by ``test_replay.py``.

Run it when a workflow change is deliberate and made with ``workflow.patched()``, and keep the old files:
    uv run python services/evaluation/tests/workflow/record_histories.py
The ``_v1`` files were recorded from the workflow before its deadlines could move (bare sleeps), the
``_v2`` ones from the workflow whose deadlines move (``move_deadlines``, behind ``workflow.patched``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

sys.path.insert(0, str(Path(__file__).parent))
from test_campaign_workflow import FakeSteps

from relais_evaluation.adapters.workflows.campaign import (
    CampaignInput,
    CampaignWorkflow,
    DeadlinesMoved,
)
from relais_evaluation.service_layer.campaigns import PARIS, milestones

OUT = Path(__file__).parent / "histories"
CAMPAIGN = "0b6c5a4e-3d2f-4e1a-9b8c-7d6e5f4a3b2c"
Scenario = Callable[[WorkflowEnvironment, CampaignInput], Awaitable[WorkflowHandle]]


async def record(name: str, steps: FakeSteps, scenario: Scenario) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(Path(sys.prefix) / "bin" / "temporal-test-server"),
    )
    try:
        today = (await env.get_current_time()).astimezone(PARIS).date()
        data = CampaignInput.model_validate(
            {
                "campaign_id": CAMPAIGN,
                "milestones": milestones(today + timedelta(days=30), today + timedelta(days=90), 7),
            }
        )
        async with Worker(
            env.client,
            task_queue="evaluation",
            workflows=[CampaignWorkflow],
            activities=[steps.remind, steps.reached],
        ):
            handle = await scenario(env, data)
            await handle.result()
            (OUT / f"{name}.json").write_text((await handle.fetch_history()).to_json())
    finally:
        await env.shutdown()


async def started(env: WorkflowEnvironment, data: CampaignInput) -> WorkflowHandle:
    return await env.client.start_workflow(
        CampaignWorkflow.run, data, id=f"campaign-{data.campaign_id}", task_queue="evaluation"
    )


async def moved_twice(env: WorkflowEnvironment, data: CampaignInput) -> WorkflowHandle:
    """Ten days in, both deadlines moved a month later; after the mid-term reminder, the final one a
    week later again."""
    handle = await started(env, data)
    today = (await env.get_current_time()).astimezone(PARIS).date()
    await env.sleep(timedelta(days=10))
    dates = milestones(today + timedelta(days=50), today + timedelta(days=110), 7)
    await handle.signal(CampaignWorkflow.move_deadlines, DeadlinesMoved.model_validate({"milestones": dates}))
    await env.sleep(timedelta(days=35))
    dates = milestones(today + timedelta(days=50), today + timedelta(days=117), 7)
    await handle.signal(CampaignWorkflow.move_deadlines, DeadlinesMoved.model_validate({"milestones": dates}))
    return handle


async def main() -> None:
    # The v1 files come from the first version of the workflow: keep them, never record them again.
    await record("campaign_deadlines_moved_twice_v2", FakeSteps(), moved_twice)


if __name__ == "__main__":
    asyncio.run(main())
