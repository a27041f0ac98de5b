"""The clauses service's unit of work: a change, its outbox events and its audit lines in one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from relais_clauses.adapters.db.models import infra
from relais_clauses.adapters.db.repository import ClausesRepository
from relais_shared.audit import record_access
from relais_shared.auth import Principal
from relais_shared.unit_of_work import SqlUnitOfWork


class UnitOfWork(SqlUnitOfWork):
    outbox = infra.outbox
    processed_events = infra.processed_events
    db: ClausesRepository

    def bind(self, session: AsyncSession) -> None:
        super().bind(session)
        self.db = ClausesRepository(session)

    async def audit(self, principal: Principal, action: str, resource_type: str, resource_id: str) -> None:
        await record_access(
            self.session,
            infra.audit_log,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
        )
