"""Unit of work: one transaction that commits state and the outbox rows of the events it caused."""

from __future__ import annotations

import uuid
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_referral.db.models import infra
from relais_referral.db.repository import JourneyRepository, PolicyRepository, ReferralRepository
from relais_referral.domain.events import DomainEvent
from relais_referral.events.mapping import to_integration_event
from relais_shared.envelope import EventData, wrap
from relais_shared.outbox import add_to_outbox


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None) -> None:
        self._sessions = sessions
        self.session: AsyncSession
        self.referrals: ReferralRepository
        self.journeys: JourneyRepository
        self.policies: PolicyRepository
        self._pending: list[tuple[EventData, uuid.UUID | None]] = []

    @classmethod
    def within(cls, session: AsyncSession) -> UnitOfWork:
        """A unit of work inside a transaction someone else owns (a consumer's, with processed_events)."""
        uow = cls(None)
        uow._bind(session)
        return uow

    def _bind(self, session: AsyncSession) -> None:
        self.session = session
        self.referrals = ReferralRepository(session)
        self.journeys = JourneyRepository(session)
        self.policies = PolicyRepository(session)
        self._pending = []

    async def __aenter__(self) -> UnitOfWork:
        assert self._sessions is not None, "a bound unit of work is not a context manager"
        session = self._sessions()
        await session.begin()
        self._bind(session)
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

    def publish(self, event: DomainEvent | EventData, *, event_id: uuid.UUID | None = None) -> None:
        """Stage an event; it goes to the outbox in this transaction."""
        data = event if isinstance(event, EventData) else to_integration_event(event)
        self._pending.append((data, event_id))

    async def flush_events(self) -> None:
        """Write every staged event to the outbox, in this transaction."""
        for referral in self.referrals.seen:
            for event in referral.events:
                self.publish(event)
            referral.events.clear()
        for data, event_id in self._pending:
            await add_to_outbox(self.session, infra.outbox, wrap(data, event_id=event_id), data.topic)
        self._pending.clear()

    async def commit(self) -> None:
        await self.flush_events()
        await self.session.commit()
