"""The evaluation worker's activities: idempotent writes (a retried step records nothing twice).

A reminder is recorded and its ``evaluation.evaluator_reminded.v1`` staged in the outbox in one
transaction; the referral service mails it. Only the evaluators a run reminds get an event, so a retried
activity stages nothing again. The erasure sweep applies only erasures not applied yet."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from relais_evaluation.adapters.db.models import campaigns
from relais_evaluation.adapters.db.store import FactStore
from relais_evaluation.adapters.db.unit_of_work import UnitOfWork
from relais_evaluation.adapters.events.published import evaluator_reminded
from relais_evaluation.adapters.workflows.campaign import StepInput, StepOutput
from relais_evaluation.service_layer import campaigns as handlers
from relais_evaluation.service_layer.ingestion import apply_due_erasures
from relais_shared.db import transaction


class CampaignActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None,
        *,
        uow: Callable[[], Any] | None = None,
    ) -> None:
        """``uow`` makes a unit of work (a fake in unit tests); by default one on ``sessions``."""
        self.sessions = sessions
        self.uow = uow or (lambda: UnitOfWork(sessions))

    @activity.defn(name="remind_evaluators")
    async def remind_evaluators(self, step: StepInput) -> StepOutput:
        """Each invited evaluator without an assessment for the milestone gets one reminder, recorded and
        published (the referral service mails it) in one transaction."""
        async with self.uow() as uow:
            reminded = await handlers.remind_evaluators(
                uow.campaigns, uuid.UUID(step.campaign_id), step.milestone, datetime.now(UTC)
            )
            if reminded is None:
                return StepOutput(open=False)
            for evaluator in reminded:
                data, event_id = evaluator_reminded(evaluator)
                uow.publish(data, event_id=event_id)
            return StepOutput(open=True, count=len(reminded))

    @activity.defn(name="deadline_reached")
    async def deadline_reached(self, step: StepInput) -> StepOutput:
        """Records the milestone's deadline reached, if its current deadline has passed: a step planned
        for a deadline the coordinator has just moved later records nothing (the workflow, signalled,
        plans a step for the new one)."""
        campaign = uuid.UUID(step.campaign_id)
        mid_term = step.milestone == "mid_term"
        column = "mid_term_reached_at" if mid_term else "final_reached_at"
        assert self.sessions is not None, "deadline_reached writes through the process's sessions"
        async with transaction(self.sessions) as session:
            row = (
                await session.execute(
                    select(campaigns.c.status, campaigns.c.mid_term_due, campaigns.c.final_due)
                    .where(campaigns.c.id == campaign)
                    .with_for_update()
                )
            ).first()
            if row is None or row.status != "open":
                return StepOutput(open=False)
            due = row.mid_term_due if mid_term else row.final_due
            now = datetime.now(UTC)
            if due is not None and now >= handlers.due_instant(due):
                await session.execute(
                    update(campaigns)
                    .where(campaigns.c.id == campaign, campaigns.c[column].is_(None))
                    .values({column: now})
                )
            return StepOutput(open=True)


@dataclass
class ErasureActivities:
    sessions: async_sessionmaker[AsyncSession]
    grace: timedelta  # RELAIS_EVALUATION_ERASURE_GRACE_S, the same as the consumer's

    @activity.defn(name="apply_due_erasures")
    async def apply_due_erasures(self) -> int:
        """The erasures read ``grace`` ago or more, applied in one transaction (under the cells' lock, as
        an ingestion batch); returns how many, never which."""
        async with transaction(self.sessions) as session:
            return await apply_due_erasures(FactStore(session), self.grace)
