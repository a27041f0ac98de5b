"""Async SQLAlchemy engine, sessions and the infrastructure tables every service carries.

Each service owns its database; the outbox, processed-events, idempotency and audit tables are
declared into the service's own ``MetaData`` by :func:`infrastructure_tables`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@dataclass(frozen=True)
class InfrastructureTables:
    outbox: Table
    processed_events: Table
    idempotency_keys: Table
    audit_log: Table


def infrastructure_tables(metadata: MetaData) -> InfrastructureTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
    )
    # The relay only ever scans unpublished rows: a partial index keeps that scan small forever.
    Index("ix_outbox_unpublished", outbox.c.id, postgresql_where=outbox.c.published_at.is_(None))
    processed = Table(
        "processed_events",
        metadata,
        Column("event_id", UUID(as_uuid=True), nullable=False),
        Column("consumer", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("event_id", "consumer"),
    )
    idempotency = Table(
        "idempotency_keys",
        metadata,
        Column("org_id", UUID(as_uuid=True), nullable=False),
        Column("key", String(200), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(500), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("org_id", "key"),
    )
    audit = Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor_sub", String(200), nullable=False),
        Column("actor_org_id", UUID(as_uuid=True)),
        Column("action", String(20), nullable=False),
        Column("resource_type", String(50), nullable=False),
        Column("resource_id", String(100)),
        Column("outcome", String(20), nullable=False),
        Column("detail", String(200)),
    )
    Index("ix_audit_resource", audit.c.resource_type, audit.c.resource_id)
    return InfrastructureTables(outbox, processed, idempotency, audit)


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # hide_parameters: a failed statement's message (in an exception, a log line, a span) shows its SQL
    # but never the values bound to it, which are names, birth dates and contacts.
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any exception, leaves nothing half-written."""
    async with sessions() as session, session.begin():
        yield session


def database_readiness(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """A readiness check that succeeds when the database answers ``SELECT 1``."""

    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check
