"""ReferralWorkflow on the time-skipping test server (timers run in virtual time)."""

import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from relais_referral.workflows.activities import OverdueInput
from relais_referral.workflows.referral import AcknowledgedSignal, ReferralWorkflow, ReferralWorkflowInput

TEST_SERVER = Path(sys.prefix) / "bin" / "temporal-test-server"


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=str(TEST_SERVER)
    )
    yield environment
    await environment.shutdown()


class RecordedOverdue:
    def __init__(self) -> None:
        self.calls: list[tuple[OverdueInput, datetime]] = []

    @activity.defn(name="record_acknowledgement_overdue")
    async def record(self, data: OverdueInput) -> bool:
        self.calls.append((data, activity.info().scheduled_time))
        return True


async def _start(
    env: WorkflowEnvironment, recorder: RecordedOverdue, deadline: datetime
) -> tuple[str, object]:
    referral_id = str(uuid.uuid4())
    data = ReferralWorkflowInput(
        referral_id=referral_id,
        sender_org_id=str(uuid.uuid4()),
        receiver_org_id=str(uuid.uuid4()),
        acknowledgement_due=deadline.date(),
        acknowledgement_deadline=deadline,
    )
    handle = await env.client.start_workflow(
        ReferralWorkflow.run, data, id=f"referral-{referral_id}", task_queue="referral-test"
    )
    return referral_id, handle


async def test_no_acknowledgement_by_the_deadline_records_it_overdue_exactly_at_the_deadline(
    env: WorkflowEnvironment,
) -> None:
    recorder = RecordedOverdue()
    now = await env.get_current_time()
    deadline = now + timedelta(days=7)
    async with Worker(
        env.client, task_queue="referral-test", workflows=[ReferralWorkflow], activities=[recorder.record]
    ):
        referral_id, handle = await _start(env, recorder, deadline)
        await env.sleep(timedelta(days=6, hours=23))
        assert recorder.calls == []
        await env.sleep(timedelta(hours=2))
        assert len(recorder.calls) == 1
        data, scheduled = recorder.calls[0]
        assert data.referral_id == referral_id
        assert data.step == f"referral-{referral_id}/ack-overdue"
        assert deadline <= scheduled < deadline + timedelta(minutes=1)
        status = await handle.query(ReferralWorkflow.status)  # type: ignore[attr-defined]
        assert status.acknowledgement_overdue
        await handle.signal(ReferralWorkflow.acknowledged, AcknowledgedSignal(by_org_id="x"))  # type: ignore[attr-defined]
        result = await handle.result()  # type: ignore[attr-defined]
        assert result.state == "acknowledged"


async def test_acknowledgement_before_the_deadline_raises_no_overdue(env: WorkflowEnvironment) -> None:
    recorder = RecordedOverdue()
    deadline = (await env.get_current_time()) + timedelta(days=5)
    async with Worker(
        env.client, task_queue="referral-test", workflows=[ReferralWorkflow], activities=[recorder.record]
    ):
        _, handle = await _start(env, recorder, deadline)
        await env.sleep(timedelta(days=2))
        await handle.signal(ReferralWorkflow.acknowledged, AcknowledgedSignal(by_org_id="x"))  # type: ignore[attr-defined]
        result = await handle.result()  # type: ignore[attr-defined]
        assert result.state == "acknowledged"
        assert not result.acknowledgement_overdue
        await env.sleep(timedelta(days=10))
        assert recorder.calls == []


def test_the_workflow_input_carries_no_personal_data_only_ids_and_dates() -> None:
    fields = set(ReferralWorkflowInput.model_fields)
    assert fields == {
        "referral_id",
        "sender_org_id",
        "receiver_org_id",
        "acknowledgement_due",
        "acknowledgement_deadline",
    }
