"""``EraseExpiredJobseekersWorkflow``: erases the people whose retention period has ended.

The retention period is a setting per legal basis (``RELAIS_REFERRAL_RETENTION_MONTHS``, months after
the person's last activity). A Temporal Schedule of the referral worker (``workflows/schedules.py``)
runs it daily, as it runs the idempotency purge: once per interval however many workers run, retried
with the activity's policy, each run visible in the Temporal UI. Each person is erased by the same
command as an erasure on request (``service_layer/privacy.erase_jobseeker``), in their own transaction,
so each erasure and its ``jobseeker.erased.v1`` commit together. The history holds a count, never an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

ERASE_TIMEOUT = timedelta(minutes=10)
ERASE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=5))


@dataclass
class RetentionActivities:
    uow: Any  # a factory of units of work (bootstrap's)
    context: Any  # PactContext
    retention_months: dict[str, int]
    batch: int = 200

    @activity.defn(name="erase_expired_jobseekers")
    async def erase_expired(self) -> int:
        """Erases up to ``batch`` due people; a person erased meanwhile (a retry, two workers) is skipped."""
        from relais_referral.service_layer.privacy import (
            Erased,
            EraseJobseeker,
            erase_jobseeker,
            retention_cutoffs,
        )
        from relais_shared.errors import Conflict

        per_basis, default = retention_cutoffs(self.retention_months, datetime.now(UTC))
        async with self.uow() as uow:
            due = await uow.privacy.due_for_erasure(per_basis, default, limit=self.batch)
        erased = 0
        for jobseeker_id in due:
            try:
                async with self.uow() as uow:
                    await erase_jobseeker(uow, None, EraseJobseeker(jobseeker_id, "retention"), self.context)
                erased += 1
            except (Erased, Conflict):  # erased meanwhile, or a referral opened since the query
                continue
        return erased


@workflow.defn
class EraseExpiredJobseekersWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity_method(
            RetentionActivities.erase_expired,
            start_to_close_timeout=ERASE_TIMEOUT,
            retry_policy=ERASE_RETRY,
        )
