"""The clauses service's unit of work: a change, its outbox events and its audit lines in one transaction.

Handlers record domain events with ``publish``; the unit of work maps each to its integration event
(``adapters/events/mapping.py``), which reaches the outbox with the state change or not at all.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from relais_clauses.adapters.db.models import infra
from relais_clauses.adapters.db.repository import ClausesRepository
from relais_clauses.adapters.events.mapping import to_integration_event
from relais_clauses.domain.events import ClauseEvent
from relais_shared.audit import record_access
from relais_shared.auth import Principal
from relais_shared.envelope import EventData
from relais_shared.unit_of_work import SqlUnitOfWork


class UnitOfWork(SqlUnitOfWork):
    outbox = infra.outbox
    processed_events = infra.processed_events
    db: ClausesRepository

    def bind(self, session: AsyncSession) -> None:
        super().bind(session)
        self.db = ClausesRepository(session)

    def publish(self, event: ClauseEvent | EventData, *, event_id: uuid.UUID | None = None) -> None:
        """Stage an event (a domain event is mapped to its contract) for this transaction's outbox."""
        super().publish(
            event if isinstance(event, EventData) else to_integration_event(event), event_id=event_id
        )

    async def audit(self, principal: Principal, action: str, resource_type: str, resource_id: str) -> None:
        await record_access(
            self.session,
            infra.audit_log,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
        )
