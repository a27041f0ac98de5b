"""What every router of the evaluation API shares: settings, sessions, who may read which figures."""

from __future__ import annotations

import uuid

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_evaluation.settings import EvaluationSettings
from relais_shared.auth import Principal
from relais_shared.problems import Problem

READERS = ("coordinator", "evaluator")


def settings_of(request: Request) -> EvaluationSettings:
    settings: EvaluationSettings = request.app.state.settings
    return settings


def sessions_of(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


def is_coordination(principal: Principal, settings: EvaluationSettings) -> bool:
    return principal.org_id == settings.coordination_org_id


def organisation_scope(
    principal: Principal, settings: EvaluationSettings, requested: uuid.UUID | None, *, has_organisation: bool
) -> uuid.UUID | None:
    """The organisation whose rows the caller may read: any (the pact coordination), else its own only.

    An indicator that cannot be cut by organisation (people without support, orientation delays) is the
    pact coordination's alone: another organisation's figures there would be everyone's.
    """
    if is_coordination(principal, settings):
        return requested
    if not has_organisation:
        raise Problem("forbidden", "Indicateur réservé à la coordination du pacte.")
    if requested is not None and requested != principal.org_id:
        raise Problem("forbidden", "Vous ne voyez que les chiffres de votre organisation.")
    return principal.org_id
