"""The unit of work every service's handlers run in: state, events and event claims in one transaction.

A handler changes aggregates through the service's repositories and stages integration events with
``publish``; ``commit`` writes the staged events to the outbox in the same transaction, so that the
state change and its events are kept or lost together. A consumer's handler first asks
``already_recorded(event_id)``: the claim is written in the same transaction too, so a redelivered
event changes nothing.

Services subclass ``SqlUnitOfWork`` to name their tables and attach their repositories in ``bind``; their
unit tests use a fake with the same methods (``publish``, ``already_recorded``, ``outbox_has``) and
in-memory repositories.
"""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, ClassVar, Self

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_shared.consumer import claim_event
from relais_shared.envelope import EventData, wrap
from relais_shared.outbox import add_all_to_outbox


class SqlUnitOfWork:
    """Subclasses name their tables (``outbox``, ``processed_events``) and attach repositories in ``bind``."""

    outbox: ClassVar[Table]
    processed_events: ClassVar[Table]

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None = None) -> None:
        self._sessions = sessions
        self._pending: list[tuple[EventData, uuid.UUID | None]] = []
        self.session: AsyncSession

    def bind(self, session: AsyncSession) -> None:
        """Attach the session (subclasses attach their repositories here too)."""
        self.session = session
        self._pending = []

    @classmethod
    def within(cls, session: AsyncSession) -> Self:
        """A unit of work inside a transaction someone else owns (a consumer's batch): it stages events
        and claims in that transaction, and leaves the commit to its owner."""
        uow = cls(None)
        uow.bind(session)
        return uow

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

    async def already_recorded(self, event_id: Any, consumer: str) -> bool:
        """True if ``consumer`` already handled the event; otherwise claims it in this transaction."""
        return not await claim_event(self.session, self.processed_events, event_id, consumer)

    async def outbox_has(self, event_id: uuid.UUID) -> bool:
        """Whether an event with this id was already staged: a retried step that published it is done."""
        found = await self.session.execute(select(self.outbox.c.id).where(self.outbox.c.event_id == event_id))
        return found.first() is not None

    async def flush_events(self) -> None:
        staged = [(wrap(data, event_id=event_id), data.topic) for data, event_id in self._pending]
        self._pending.clear()
        await add_all_to_outbox(self.session, self.outbox, staged)

    async def commit(self) -> None:
        await self.flush_events()
        if self._sessions is not None:  # a borrowed session is committed by its owner
            await self.session.commit()
