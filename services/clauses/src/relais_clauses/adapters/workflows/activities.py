"""The obligation monitor's activity: one check of a contract's obligation, on the workflow's day in Paris.

Kept apart from the workflow's module: the Temporal sandbox imports that one for every workflow it runs,
and this one brings in the database and the service layer.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.adapters.workflows.monitor import CHECK_HOUR, CheckInput, CheckOutput
from relais_clauses.domain.hours import PARIS
from relais_clauses.service_layer.monitoring import MonitorPolicy, check_obligation


class MonitorActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], policy: MonitorPolicy) -> None:
        self.sessions = sessions
        self.policy = policy

    @activity.defn(name="check_obligation")
    async def check_obligation(self, data: CheckInput) -> CheckOutput:
        async with UnitOfWork(self.sessions) as uow:
            result = await check_obligation(
                uow, uuid.UUID(data.contract_id), data.at.astimezone(PARIS).date(), self.policy
            )
        wake_at = datetime.combine(result.next_wake, time(CHECK_HOUR), PARIS) if result.next_wake else None
        return CheckOutput(**result.__dict__, wake_at=wake_at)
