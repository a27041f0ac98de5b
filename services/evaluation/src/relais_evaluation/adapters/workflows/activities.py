"""The campaign workflow's activities: idempotent writes (a retried step records nothing twice)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from relais_evaluation.adapters.db.models import campaigns
from relais_evaluation.adapters.workflows.campaign import StepInput, StepOutput
from relais_shared.db import transaction


class CampaignActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _open(self, session: AsyncSession, campaign_id: uuid.UUID) -> bool:
        status = await session.scalar(select(campaigns.c.status).where(campaigns.c.id == campaign_id))
        return status == "open"

    @activity.defn(name="remind_evaluators")
    async def remind_evaluators(self, step: StepInput) -> StepOutput:
        """Each invited evaluator without an assessment for the milestone gets one reminder (recorded)."""
        campaign = uuid.UUID(step.campaign_id)
        async with transaction(self.sessions) as session:
            if not await self._open(session, campaign):
                return StepOutput(open=False)
            result = await session.execute(
                text(
                    "INSERT INTO campaign_reminders (evaluator_id, milestone, campaign_id, reminded_at) "
                    "SELECT e.id, CAST(:milestone AS varchar), e.campaign_id, :now "
                    "FROM campaign_evaluators e "
                    "WHERE e.campaign_id = :campaign AND NOT EXISTS (SELECT 1 FROM assessments a "
                    "WHERE a.evaluator_id = e.id AND a.milestone = CAST(:milestone AS varchar)) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"campaign": campaign, "milestone": step.milestone, "now": datetime.now(UTC)},
            )
            return StepOutput(open=True, count=int(getattr(result, "rowcount", 0) or 0))

    @activity.defn(name="deadline_reached")
    async def deadline_reached(self, step: StepInput) -> StepOutput:
        campaign = uuid.UUID(step.campaign_id)
        column = "mid_term_reached_at" if step.milestone == "mid_term" else "final_reached_at"
        async with transaction(self.sessions) as session:
            if not await self._open(session, campaign):
                return StepOutput(open=False)
            await session.execute(
                update(campaigns)
                .where(campaigns.c.id == campaign, campaigns.c[column].is_(None))
                .values({column: datetime.now(UTC)})
            )
            return StepOutput(open=True)
