"""``ReferralWorkflow``: the durable clock of one referral (id ``referral-<uuid>``).

Deterministic code only: no I/O, no database imports, no time zones. Deadlines arrive as instants
computed from working days by the referral service; the workflow sleeps until the next one that still
applies, and changes the world only through activities, which re-check the referral in the database
and publish through the outbox. The database is the truth: every activity returns the current status.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from relais_referral.workflows.activities import ReferralActivities, StepInput, StepResult
    from relais_referral.workflows.messages import (
        ReferralWorkflowInput,
        ReferralWorkflowStatus,
        StatusChanged,
    )

FINAL = frozenset({"accepted", "closed", "refused", "withdrawn", "expired", "obsolete"})
AWAITING = frozenset({"submitted", "acknowledged"})
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))


@workflow.defn
class ReferralWorkflow:
    def __init__(self) -> None:
        self._status = "submitted"
        self._outcome_due_at: datetime | None = None
        self._decision_due_at: datetime | None = None
        self._had_appointment = False
        self._changes = 0
        self._done: list[str] = []

    @workflow.run
    async def run(self, data: ReferralWorkflowInput) -> ReferralWorkflowStatus:
        if self._changes == 0:  # a signal delivered with the start is newer than the input
            self._status = data.status
            self._outcome_due_at = data.outcome_due_at
            self._decision_due_at = data.decision_due_at
            self._had_appointment = data.had_appointment
        steps = [
            ("reminder", data.reminder_at, {"submitted"}),
            ("manager", data.manager_escalation_at, {"submitted"}),
            ("coordination", data.coordination_escalation_at, AWAITING),
            ("expiry", data.expiry_at, AWAITING),
        ]
        while self._status not in FINAL:
            due = self._due(steps)
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
        if self._status == "refused":
            # Back to the sender (refusal or repeated no-show): tell the sender, who must re-orient.
            await workflow.execute_activity_method(
                ReferralActivities.notify_returned,
                StepInput(
                    referral_id=data.referral_id,
                    level="returned",
                    step=f"{workflow.info().workflow_id}/returned",
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        return self.status()

    def _due(self, steps: list[tuple[str, datetime, AbstractSet[str]]]) -> list[tuple[datetime, str]]:
        """What may still ring: the "no answer" clock until a first appointment, then the appointment's."""
        due = []
        if not self._had_appointment:
            due = [
                (at, name) for name, at, states in steps if name not in self._done and self._status in states
            ]
        if self._status == "appointment_scheduled" and self._outcome_due_at is not None:
            due.append((self._outcome_due_at, f"appointment_outcome@{self._outcome_due_at.isoformat()}"))
        if self._decision_due_at is not None and self._status in ("acknowledged", "appointment_scheduled"):
            due.append((self._decision_due_at, f"decision@{self._decision_due_at.isoformat()}"))
        return sorted(item for item in due if item[1] not in self._done)

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
        self._outcome_due_at = change.outcome_due_at
        self._decision_due_at = change.decision_due_at
        self._had_appointment = change.had_appointment
        self._changes += 1

    @workflow.query
    def status(self) -> ReferralWorkflowStatus:
        return ReferralWorkflowStatus(status=self._status, steps_done=list(self._done))
