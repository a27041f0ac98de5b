"""Temporal: one ``CampaignWorkflow`` per campaign (id ``campaign-<uuid>``), holding its deadlines.

For each milestone (the mid-term « test d'utilisation » if any, then the final one) it waits until the
reminder instant and has the evaluators who have not submitted reminded, then waits until the deadline
and records it reached. A closed campaign ends it at its next wake. The history holds ids and instants
only; the instants are computed by the API (Paris time), so the workflow code needs no time zone.

The coordinator may move the deadlines (``PUT /v1/campaigns/{id}/deadlines``): the API signals
``move_deadlines`` with the new instants (signal-with-start, so that a workflow already ended after its
last deadline starts again), and the workflow, waiting on ``wait_condition`` rather than a bare sleep,
wakes and plans again. A milestone's reminder step runs once per reminder instant: a move to a later
reminder instant runs it again then, a move to an earlier or equal one does not. Running it again mails
nobody twice: ``remind_evaluators`` reminds each evaluator of a milestone once (one row and one event id
per evaluator and milestone), so the second run reaches only evaluators invited since the first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

TASK_QUEUE = "evaluation"
RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10))
# Campaigns started before the deadlines could move slept to each instant: their histories (recorded in
# tests/workflow/histories/*_v1.json) replay through the first version, kept below as it was.
MOVABLE_DEADLINES = "campaign-deadlines-movable"


def workflow_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


class MilestoneDates(BaseModel):
    milestone: str  # mid_term or final
    remind_at: datetime
    due_at: datetime  # the end of the deadline day


class CampaignInput(BaseModel):
    campaign_id: str
    milestones: list[MilestoneDates]


class DeadlinesMoved(BaseModel):
    """The campaign's milestones after a move, all of them (instants only)."""

    milestones: list[MilestoneDates]


class StepInput(BaseModel):
    campaign_id: str
    milestone: str


class StepOutput(BaseModel):
    open: bool  # False once the campaign is closed (or was never committed): the workflow ends
    count: int = 0  # evaluators reminded


@workflow.defn
class CampaignWorkflow:
    def __init__(self) -> None:
        self._moved: list[MilestoneDates] | None = None  # the latest plan signalled
        self._moves = 0

    @workflow.signal(name="move_deadlines")
    def move_deadlines(self, moved: DeadlinesMoved) -> None:
        self._moved = list(moved.milestones)
        self._moves += 1

    @workflow.run
    async def run(self, data: CampaignInput) -> str:
        if not workflow.patched(MOVABLE_DEADLINES):
            return await self._run_v1(data)
        sent: dict[str, datetime] = {}  # milestone -> the reminder instant its reminder step ran for
        reached: dict[str, datetime] = {}  # milestone -> the deadline instant recorded reached
        seen: dict[str, MilestoneDates] = {}
        planned_at: dict[str, datetime] = {}  # when each milestone's current instants became known
        while True:
            moves = self._moves
            now = workflow.now()
            plan = self._moved if self._moved is not None else data.milestones
            for m in plan:
                if seen.get(m.milestone) != m:
                    seen[m.milestone], planned_at[m.milestone] = m, now
            steps = []
            for m in plan:
                # A reminder instant already past when it became known is skipped (the deadline is too
                # close for one), as is one at or before the instant already reminded for.
                if m.remind_at > planned_at[m.milestone] and (
                    m.milestone not in sent or m.remind_at > sent[m.milestone]
                ):
                    steps.append((m.remind_at, 0, "remind_evaluators", m.milestone))
                if m.milestone not in reached or m.due_at > reached[m.milestone]:
                    steps.append((m.due_at, 1, "deadline_reached", m.milestone))
            if not steps:
                return "deadlines passed"
            at, _order, activity, milestone = min(steps)
            if at > now and await self._moved_within(moves, at - now):
                continue  # moved while waiting: plan again from the new instants
            done = await self._step(activity, StepInput(campaign_id=data.campaign_id, milestone=milestone))
            if not done.open:
                return "closed"
            (sent if activity == "remind_evaluators" else reached)[milestone] = at

    async def _moved_within(self, moves: int, wait: timedelta) -> bool:
        """Waits ``wait``, or less if the deadlines move meanwhile (then True)."""
        try:
            await workflow.wait_condition(lambda: self._moves != moves, timeout=wait)
        except TimeoutError:
            return False
        return True

    async def _run_v1(self, data: CampaignInput) -> str:
        """The first version, for the campaigns started before the deadlines could move. Such a run
        cannot be woken early (its timers are in its history: a move earlier than its next timer acts
        only when that timer fires), but when it wakes after a move it goes on as a new run with the
        moved instants. The step it woke for is taken first if the move left its milestone as it was
        (the new run skips a reminder whose instant is already past). (No v1 history holds a
        ``move_deadlines`` signal — the API had no such call — so this branch replays as before.)"""
        for milestone in sorted(data.milestones, key=lambda m: m.due_at):
            step = StepInput(campaign_id=data.campaign_id, milestone=milestone.milestone)
            if milestone.remind_at > workflow.now():
                await workflow.sleep(milestone.remind_at - workflow.now())
                if not await self._continue_if_moved(data, milestone, "remind_evaluators", step):
                    return "closed"
                reminded = await self._step("remind_evaluators", step)
                if not reminded.open:
                    return "closed"
            if milestone.due_at > workflow.now():
                await workflow.sleep(milestone.due_at - workflow.now())
                if not await self._continue_if_moved(data, milestone, "deadline_reached", step):
                    return "closed"
            reached = await self._step("deadline_reached", step)
            if not reached.open:
                return "closed"
        return "deadlines passed"

    async def _continue_if_moved(
        self, data: CampaignInput, woke_for: MilestoneDates, activity: str, step: StepInput
    ) -> bool:
        """After a move, continues as a new run (never returns); False if the campaign closed."""
        if self._moved is None:
            return True
        if woke_for in self._moved and not (await self._step(activity, step)).open:
            return False
        workflow.continue_as_new(CampaignInput(campaign_id=data.campaign_id, milestones=self._moved))

    async def _step(self, activity: str, step: StepInput) -> StepOutput:
        return await workflow.execute_activity(
            activity,
            step,
            result_type=StepOutput,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )
