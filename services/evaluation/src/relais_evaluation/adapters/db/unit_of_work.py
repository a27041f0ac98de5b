"""The evaluation service's unit of work: a campaign change and the events it causes in one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from relais_evaluation.adapters.db.campaigns import CampaignRepository
from relais_evaluation.adapters.db.models import infra
from relais_shared.unit_of_work import SqlUnitOfWork


class UnitOfWork(SqlUnitOfWork):
    outbox = infra.outbox
    processed_events = infra.processed_events
    campaigns: CampaignRepository

    def bind(self, session: AsyncSession) -> None:
        super().bind(session)
        self.campaigns = CampaignRepository(session)
