"""The unit of work every service's handlers run in: state, events and event claims in one transaction.

A handler changes aggregates through the service's repositories and stages integration events with
``publish``; ``commit`` writes the staged events to the outbox in the same transaction, so that the
state change and its events are kept or lost together. A consumer's handler first asks
``already_recorded(event_id)``: the claim is written in the same transaction too, so a redelivered
event changes nothing.

Services subclass ``SqlUnitOfWork`` to attach their repositories in ``bind``; their unit tests use a fake
with the same three methods (``publish``, ``already_recorded``, ``commit``) and in-memory repositories.
"""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_shared.consumer import claim_event
from relais_shared.envelope import EventData, wrap
from relais_shared.outbox import add_to_outbox


class SqlUnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None,
        *,
        outbox: Table,
        processed: Table,
        consumer: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._processed = processed
        self._consumer = consumer
        self._pending: list[tuple[EventData, uuid.UUID | None]] = []
        self.session: AsyncSession

    def bind(self, session: AsyncSession) -> None:
        """Attach the session (subclasses attach their repositories here too)."""
        self.session = session
        self._pending = []

    def within(self, session: AsyncSession) -> Self:
        """This unit of work inside a transaction someone else owns (a consumer's batch)."""
        self.bind(session)
        return self

    async def __aenter__(self) -> Self:
        assert self._sessions is not None, "a unit of work bound to a session is not a context manager"
        session = self._sessions()
        await session.begin()
        self.bind(session)
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

    def publish(self, data: EventData, *, event_id: uuid.UUID | None = None) -> None:
        """Stage an integration event: it reaches the outbox with this transaction, or not at all."""
        self._pending.append((data, event_id))

    async def already_recorded(self, event_id: Any, consumer: str | None = None) -> bool:
        """True if this consumer already handled the event; otherwise claims it in this transaction."""
        name = consumer or self._consumer
        assert name, "already_recorded needs the consumer's name"
        return not await claim_event(self.session, self._processed, event_id, name)

    async def flush_events(self) -> None:
        for data, event_id in self._pending:
            await add_to_outbox(self.session, self._outbox, wrap(data, event_id=event_id), data.topic)
        self._pending.clear()

    async def commit(self) -> None:
        await self.flush_events()
        if self._sessions is not None:  # a borrowed session is committed by its owner
            await self.session.commit()
