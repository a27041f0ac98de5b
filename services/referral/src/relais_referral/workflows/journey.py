"""``JourneyWorkflow``: one per jobseeker (id ``journey-<uuid>``), for as long as the person is in the pact.

It receives snapshots of the journey from the Kafka→Temporal bridge (the database stays the truth),
raises ``jobseeker.unaccompanied.v1`` when nobody has been responsible for too long, and reminds the
référent of the outcome follow-ups at +3, +6 and +12 months after exit. Continue-as-new keeps the
history short, so a journey can last years.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relais_referral.workflows.activities import JourneyStepInput, ReferralActivities
    from relais_referral.workflows.messages import (
        JourneySnapshot,
        JourneyWorkflowInput,
        JourneyWorkflowStatus,
    )


@workflow.defn
class JourneyWorkflow:
    def __init__(self) -> None:
        self._snapshot: JourneySnapshot | None = None
        self._changes = 0
        self._signals = 0
        self._done: list[str] = []

    @workflow.run
    async def run(self, data: JourneyWorkflowInput) -> JourneyWorkflowStatus:
        self._done = list(data.done)
        if data.snapshot is not None and (
            self._snapshot is None or data.snapshot.version > self._snapshot.version
        ):
            self._snapshot = data.snapshot
        while True:
            if (
                self._signals >= data.signals_before_continue_as_new
                or workflow.info().is_continue_as_new_suggested()
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    JourneyWorkflowInput(
                        jobseeker_id=data.jobseeker_id,
                        snapshot=self._snapshot,
                        done=self._done,
                        signals_before_continue_as_new=data.signals_before_continue_as_new,
                    )
                )
            snapshot = self._snapshot
            due = self._next_step(snapshot)
            seen = self._changes
            if due is None:
                if snapshot is not None and not snapshot.in_pact:
                    return self.status()  # out of the pact, every follow-up done
                await workflow.wait_condition(self._changed_since(seen))
                continue
            at, name = due
            wait = at - workflow.now()
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(self._changed_since(seen), timeout=wait)
                    continue
                except TimeoutError:
                    pass
            self._done.append(name)
            assert snapshot is not None
            await workflow.execute_activity_method(
                ReferralActivities.journey_step,
                JourneyStepInput(
                    jobseeker_id=data.jobseeker_id,
                    kind=name.split("@")[0],
                    since=snapshot.unaccompanied_since,
                    step=f"{workflow.info().workflow_id}/{name}",
                ),
                start_to_close_timeout=timedelta(seconds=30),
            )

    def _next_step(self, snapshot: JourneySnapshot | None) -> tuple[datetime, str] | None:
        if snapshot is None:
            return None
        candidates = []
        if snapshot.in_pact and snapshot.unaccompanied_due_at is not None:
            candidates.append(
                (snapshot.unaccompanied_due_at, f"unaccompanied@{snapshot.unaccompanied_due_at.isoformat()}")
            )
        for at in snapshot.follow_ups_at:
            candidates.append((at, f"follow_up@{at.isoformat()}"))
        pending = sorted(c for c in candidates if c[1] not in self._done)
        return pending[0] if pending else None

    def _changed_since(self, seen: int) -> Callable[[], bool]:
        return lambda: self._changes != seen

    @workflow.signal
    def journey_changed(self, snapshot: JourneySnapshot) -> None:
        self._signals += 1
        if self._snapshot is None or snapshot.version >= self._snapshot.version:
            self._snapshot = snapshot
            self._changes += 1

    @workflow.query
    def status(self) -> JourneyWorkflowStatus:
        snapshot = self._snapshot
        return JourneyWorkflowStatus(
            in_pact=snapshot.in_pact if snapshot else True,
            unaccompanied_since=snapshot.unaccompanied_since if snapshot else None,
            steps_done=list(self._done),
        )
