"""Campaigns, their evaluators, assessments and reminders in the store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_evaluation.adapters.db.models import (
    assessments,
    campaign_evaluators,
    campaign_reminders,
    campaigns,
)
from relais_evaluation.domain.campaigns import Grid, grid_from_json


def grid_of(row: Any) -> Grid:
    return grid_from_json(row.grid, row.scale_min, row.scale_max)


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, **values: Any) -> None:
        await self.session.execute(insert(campaigns).values(**values))

    async def get(self, campaign_id: uuid.UUID, *, lock: bool = False) -> Any:
        query = select(campaigns).where(campaigns.c.id == campaign_id)
        return (await self.session.execute(query.with_for_update() if lock else query)).first()

    async def visible_to(self, org_id: uuid.UUID | None, invitee: tuple[uuid.UUID, str]) -> list[Any]:
        """The organisation's campaigns (all when ``org_id`` is None) and those ``invitee`` (the caller's
        organisation and account) is invited to."""
        invited = select(campaign_evaluators.c.campaign_id).where(
            campaign_evaluators.c.org_id == invitee[0], campaign_evaluators.c.sub == invitee[1]
        )
        query = select(campaigns).order_by(campaigns.c.created_at.desc())
        if org_id is not None:
            query = query.where((campaigns.c.org_id == org_id) | campaigns.c.id.in_(invited))
        return list((await self.session.execute(query)).all())

    async def evaluators(self, campaign_id: uuid.UUID) -> list[Any]:
        query = (
            select(campaign_evaluators)
            .where(campaign_evaluators.c.campaign_id == campaign_id)
            .order_by(campaign_evaluators.c.invited_at, campaign_evaluators.c.id)
        )
        return list((await self.session.execute(query)).all())

    async def evaluator(self, campaign_id: uuid.UUID, org_id: uuid.UUID, sub: str) -> Any:
        """The invitation of this account of this organisation (an account signed in for another
        organisation is not the one invited)."""
        query = select(campaign_evaluators).where(
            campaign_evaluators.c.campaign_id == campaign_id,
            campaign_evaluators.c.org_id == org_id,
            campaign_evaluators.c.sub == sub,
        )
        return (await self.session.execute(query)).first()

    async def invite(self, **values: Any) -> bool:
        """False when this person is already an evaluator of the campaign."""
        result = await self.session.execute(
            pg_insert(campaign_evaluators)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(campaign_evaluators.c.id)
        )
        return result.first() is not None

    async def submit(self, **values: Any) -> None:
        statement = pg_insert(assessments).values(**values, submitted_at=func.now())
        keep = {
            k: statement.excluded[k] for k in ("scores", "strong_points", "weaknesses", "recommendations")
        }
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["evaluator_id", "milestone"], set_={**keep, "submitted_at": func.now()}
            )
        )

    async def assessments(self, campaign_id: uuid.UUID, milestone: str) -> list[Any]:
        query = (
            select(assessments, campaign_evaluators.c.perspective)
            .join(campaign_evaluators, campaign_evaluators.c.id == assessments.c.evaluator_id)
            .where(assessments.c.campaign_id == campaign_id, assessments.c.milestone == milestone)
            .order_by(campaign_evaluators.c.perspective, assessments.c.submitted_at)
        )
        return list((await self.session.execute(query)).all())

    async def remind(self, campaign_id: uuid.UUID, milestone: str, at: datetime) -> list[Any]:
        """Records one reminder per invited evaluator without an assessment for ``milestone`` and returns
        the evaluators this call reminded (id, org_id, sub): none of those a previous call already had,
        so that a retried step reminds nobody twice."""
        e, a, r = campaign_evaluators.c, assessments.c, campaign_reminders.c
        due = select(e.id, literal(milestone), e.campaign_id, literal(at)).where(
            e.campaign_id == campaign_id,
            ~exists().where(a.evaluator_id == e.id, a.milestone == milestone),
        )
        recorded = (
            pg_insert(campaign_reminders)
            .from_select(["evaluator_id", "milestone", "campaign_id", "reminded_at"], due)
            .on_conflict_do_nothing()
            .returning(r.evaluator_id)
            .cte("recorded")
        )
        query = (
            select(e.id, e.org_id, e.sub)
            .join(recorded, recorded.c.evaluator_id == e.id)
            .order_by(e.invited_at, e.id)
        )
        return list((await self.session.execute(query)).all())

    async def reminders(self, campaign_id: uuid.UUID) -> list[Any]:
        query = select(campaign_reminders).where(campaign_reminders.c.campaign_id == campaign_id)
        return list((await self.session.execute(query)).all())

    async def move_deadlines(self, campaign_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(update(campaigns).where(campaigns.c.id == campaign_id).values(**values))

    async def close(
        self, campaign_id: uuid.UUID, consensus: dict[str, Any], validated: bool, at: datetime
    ) -> None:
        await self.session.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(status="closed", consensus=consensus, validated=validated, closed_at=at)
        )
