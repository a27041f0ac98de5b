"""Audit log of every read and write of personal data: who, for which organisation, what, when, outcome."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_shared.auth import Principal


async def record_access(
    session: AsyncSession,
    audit: Table,
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: str | None,
    outcome: str = "allowed",
    detail: str | None = None,
) -> None:
    await session.execute(
        audit.insert().values(
            actor_sub=principal.sub,
            actor_org_id=principal.org_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=outcome,
            detail=detail,
        )
    )


async def record_refusal(
    sessions: async_sessionmaker[AsyncSession],
    audit: Table,
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: str | None,
    detail: str | None = None,
) -> None:
    """Refusals are audited in their own transaction: the refused request itself writes nothing."""
    async with sessions() as session, session.begin():
        await record_access(
            session,
            audit,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome="refused",
            detail=detail,
        )
