"""``ReferralWorkflow``: the durable timer of one referral (id ``referral-<uuid>``).

Deterministic code only: no I/O, no database imports, no time zones. Deadlines arrive as
instants computed from working days by the referral service; the workflow sleeps until then
and changes the world only through activities, which publish through the outbox.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relais_referral.workflows.activities import OverdueInput, ReferralActivities


class ReferralWorkflowInput(BaseModel):
    referral_id: str
    sender_org_id: str
    receiver_org_id: str
    acknowledgement_due: date
    acknowledgement_deadline: datetime = Field(description="End of the due day, Paris time, as an instant")


class AcknowledgedSignal(BaseModel):
    by_org_id: str


class ReferralWorkflowStatus(BaseModel):
    state: str
    acknowledgement_overdue: bool


@workflow.defn
class ReferralWorkflow:
    def __init__(self) -> None:
        self._acknowledged = False
        self._overdue = False

    @workflow.run
    async def run(self, data: ReferralWorkflowInput) -> ReferralWorkflowStatus:
        wait = max(timedelta(0), data.acknowledgement_deadline - workflow.now())
        try:
            await workflow.wait_condition(lambda: self._acknowledged, timeout=wait)
        except TimeoutError:
            self._overdue = True
            await workflow.execute_activity_method(
                ReferralActivities.record_acknowledgement_overdue,
                OverdueInput(referral_id=data.referral_id, step=f"{workflow.info().workflow_id}/ack-overdue"),
                start_to_close_timeout=timedelta(seconds=30),
            )
            await workflow.wait_condition(lambda: self._acknowledged)
        return self.status()

    @workflow.signal
    def acknowledged(self, _: AcknowledgedSignal) -> None:
        self._acknowledged = True

    @workflow.query
    def status(self) -> ReferralWorkflowStatus:
        state = "acknowledged" if self._acknowledged else "awaiting_acknowledgement"
        return ReferralWorkflowStatus(state=state, acknowledgement_overdue=self._overdue)
