"""Unit of work: one transaction that commits state and the outbox rows of the events it caused."""

from __future__ import annotations

import uuid
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_referral.db.models import infra
from relais_referral.db.repository import ReferralRepository
from relais_referral.domain.events import DomainEvent
from relais_referral.events.mapping import to_integration_event
from relais_shared.envelope import wrap
from relais_shared.outbox import add_to_outbox


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.session: AsyncSession
        self.referrals: ReferralRepository
        self._pending: list[tuple[DomainEvent, uuid.UUID | None]] = []

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        await self.session.begin()
        self.referrals = ReferralRepository(self.session)
        self._pending = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                await self.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, event: DomainEvent, *, event_id: uuid.UUID | None = None) -> None:
        """Stage an event; it goes to the outbox in this transaction."""
        self._pending.append((event, event_id))

    async def commit(self) -> None:
        for referral in self.referrals.seen:
            for event in referral.events:
                self._pending.append((event, None))
            referral.events.clear()
        for event, event_id in self._pending:
            data = to_integration_event(event)
            await add_to_outbox(self.session, infra.outbox, wrap(data, event_id=event_id), data.topic)
        self._pending.clear()
        await self.session.commit()
