"""``ReferralWorkflow``: the durable clock of one referral (id ``referral-<uuid>``).

Deterministic code only: no I/O, no database imports, no time zones. Deadlines arrive as instants
computed from working days by the referral service; the workflow sleeps until the next one that still
applies, and changes the world only through activities, which re-check the referral in the database
and publish through the outbox. The database is the truth: every activity returns the current status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from relais_referral.workflows.activities import ReferralActivities, StepInput, StepResult

FINAL = frozenset({"accepted", "closed", "refused", "withdrawn", "expired", "obsolete"})
AWAITING = frozenset({"submitted", "acknowledged"})
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))


class ReferralWorkflowInput(BaseModel):
    referral_id: str
    sender_org_id: str
    receiver_org_id: str
    status: str = "submitted"
    reminder_at: datetime
    manager_escalation_at: datetime
    coordination_escalation_at: datetime
    expiry_at: datetime
    outcome_due_at: datetime | None = None


class StatusChanged(BaseModel):
    status: str
    outcome_due_at: datetime | None = None


class ReferralWorkflowStatus(BaseModel):
    status: str
    steps_done: list[str]


@workflow.defn
class ReferralWorkflow:
    def __init__(self) -> None:
        self._status = "submitted"
        self._outcome_due_at: datetime | None = None
        self._changes = 0
        self._done: list[str] = []

    @workflow.run
    async def run(self, data: ReferralWorkflowInput) -> ReferralWorkflowStatus:
        self._status = data.status
        self._outcome_due_at = data.outcome_due_at or self._outcome_due_at
        steps = [
            ("reminder", data.reminder_at, {"submitted"}),
            ("manager", data.manager_escalation_at, {"submitted"}),
            ("coordination", data.coordination_escalation_at, AWAITING),
            ("expiry", data.expiry_at, AWAITING),
        ]
        while self._status not in FINAL:
            due = sorted(
                (at, name) for name, at, states in steps if name not in self._done and self._status in states
            )
            if self._status == "appointment_scheduled" and self._outcome_due_at is not None:
                key = f"appointment_outcome@{self._outcome_due_at.isoformat()}"
                if key not in self._done:
                    due.append((self._outcome_due_at, key))
                    due.sort()
            seen = self._changes
            if not due:
                await workflow.wait_condition(self._changed_since(seen))
                continue
            at, name = due[0]
            wait = at - workflow.now()
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(self._changed_since(seen), timeout=wait)
                    continue  # something happened: recompute what is due
                except TimeoutError:
                    pass
            self._done.append(name)
            result = await self._ring(data, name)
            if self._changes == seen:
                self._status = result.status
        return self.status()

    async def _ring(self, data: ReferralWorkflowInput, name: str) -> StepResult:
        step = StepInput(
            referral_id=data.referral_id,
            level=name.split("@")[0],
            step=f"{workflow.info().workflow_id}/{name}",
        )
        if name == "expiry":
            return await workflow.execute_activity_method(
                ReferralActivities.expire,
                step,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        return await workflow.execute_activity_method(
            ReferralActivities.escalate,
            step,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    def _changed_since(self, seen: int) -> Callable[[], bool]:
        return lambda: self._changes != seen

    @workflow.signal
    def status_changed(self, change: StatusChanged) -> None:
        self._status = change.status
        if change.outcome_due_at is not None:
            self._outcome_due_at = change.outcome_due_at
        self._changes += 1

    @workflow.query
    def status(self) -> ReferralWorkflowStatus:
        return ReferralWorkflowStatus(status=self._status, steps_done=list(self._done))
