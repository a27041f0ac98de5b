"""FastAPI dependencies of the referral API, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_referral.db.models import infra
from relais_referral.domain.errors import NotAllowed
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.settings import ReferralSettings
from relais_referral.territory import Territory, load_territory
from relais_referral.territory import data_dir as territory_data_dir
from relais_shared import auth
from relais_shared.audit import record_refusal
from relais_shared.auth import CurrentPrincipal, Principal, Role


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


def require_roles(*roles: Role) -> Any:
    """Who may call a route, declared on it (``dependencies=[require_roles(...)]``); the README's table.

    Every route of the referral API declares one (a test walks them all with every role); a caller
    holding none of ``roles`` gets a 403 before anything is read, and the refusal is audited.
    """
    return auth.require_roles(*roles, on_refusal=_audit_role_refusal)


# The audit log's resource types, by the name of the path parameter that identifies the resource.
_RESOURCE_TYPES = {
    "jobseeker_id": "jobseeker",
    "referral_id": "referral",
    "org_id": "organisation",
    "task_id": "task",
    "org_kind": "referral_policy",
}


async def _audit_role_refusal(request: Request, principal: Principal) -> None:
    """The refused route and the object it named (ids only: paths carry no personal data)."""
    route = request.scope.get("route")
    name = getattr(route, "name", "")
    template = getattr(route, "path_format", request.url.path)
    param, value = next(iter(request.path_params.items()), (None, None))
    await record_refusal(
        get_sessions(request),
        infra.audit_log,
        principal,
        action=name[:20],
        resource_type=_RESOURCE_TYPES.get(param or "", template)[:50],
        resource_id=str(value)[:100] if value is not None else None,
        detail=f"role: {request.method} {template}"[:200],
    )


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


def get_territory(settings: Settings) -> Territory:
    """The official division data, read once per process from the installed npm package."""
    return load_territory(territory_data_dir(settings.territory_data))


Places = Annotated[Territory, Depends(get_territory)]
