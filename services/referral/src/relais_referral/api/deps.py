"""FastAPI dependencies of the referral API, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_referral.db.models import infra
from relais_referral.domain.errors import NotAllowed
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.settings import ReferralSettings
from relais_shared.audit import record_refusal
from relais_shared.auth import CurrentPrincipal, Principal


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


def get_settings(request: Request) -> ReferralSettings:
    settings: ReferralSettings = request.app.state.settings
    return settings


Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
Settings = Annotated[ReferralSettings, Depends(get_settings)]


def get_context(settings: Settings) -> PactContext:
    return PactContext.from_settings(settings)


Context = Annotated[PactContext, Depends(get_context)]


def get_uow(sessions: Sessions) -> UnitOfWork:
    return UnitOfWork(sessions)


Uow = Annotated[UnitOfWork, Depends(get_uow)]
Caller = CurrentPrincipal


@asynccontextmanager
async def audited_refusals(
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: str | None,
) -> AsyncIterator[None]:
    """Every refused access to personal data is written to the audit log, even though the request fails."""
    try:
        yield
    except (NotFound, NotAllowed) as exc:
        await record_refusal(
            sessions,
            infra.audit_log,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            detail=type(exc).__name__,
        )
        raise
