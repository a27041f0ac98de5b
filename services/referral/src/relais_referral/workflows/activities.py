"""Activities of the referral workflows: idempotent (key = workflow id + step), publishing via the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from temporalio import activity

ACTIVITY_NAMESPACE = uuid.UUID("6f1c2b8e-3a52-4c1e-9d0e-2b1f6e0a7c11")


class OverdueInput(BaseModel):
    referral_id: str
    step: str


class ReferralActivities:
    """Holds the session factory; imported by workflows only for its method references."""

    def __init__(self, sessions: Any) -> None:
        self._sessions = sessions

    @activity.defn
    async def record_acknowledgement_overdue(self, data: OverdueInput) -> bool:
        from relais_referral.service_layer.handlers import record_acknowledgement_overdue
        from relais_referral.service_layer.unit_of_work import UnitOfWork

        event_id = uuid.uuid5(ACTIVITY_NAMESPACE, data.step)
        async with UnitOfWork(self._sessions) as uow:
            return await record_acknowledgement_overdue(uow, uuid.UUID(data.referral_id), event_id)
