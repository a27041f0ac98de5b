"""``PurgeIdempotencyKeysWorkflow``: deletes stored ``Idempotency-Key`` answers past their retention.

The answers kept for replays hold what the request created (a referral's free-text motive): they are
kept for ``RELAIS_IDEMPOTENCY_RETENTION_HOURS`` only. Why here: a Temporal Schedule started by the
referral worker (``workflows/schedules.py``) runs the purge once per interval however many workers
run, survives their restarts, retries a failed purge with the activity's policy and shows each run in
the Temporal UI; the worker is already the referral process that holds both a Temporal client and the
database. The workflow's history holds a count, never a key or an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

PURGE_TIMEOUT = timedelta(minutes=2)
PURGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5))


@dataclass
class HousekeepingActivities:
    sessions: Any  # async_sessionmaker of the referral database
    idempotency_retention: timedelta

    @activity.defn(name="purge_idempotency_keys")
    async def purge_idempotency_keys(self) -> int:
        """One DELETE in its own transaction; running it twice (a retry, two workers) does no harm."""
        from relais_referral.db.models import infra
        from relais_shared.idempotency import purge_expired

        async with self.sessions() as session, session.begin():
            return await purge_expired(session, infra.idempotency_keys, self.idempotency_retention)


@workflow.defn
class PurgeIdempotencyKeysWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity_method(
            HousekeepingActivities.purge_idempotency_keys,
            start_to_close_timeout=PURGE_TIMEOUT,
            retry_policy=PURGE_RETRY,
        )
