"""The referral worker's Temporal Schedules, created (or brought up to date) when a worker starts."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client

from relais_referral.workflows.arrival_mail import ReferralArrivalMailWorkflow
from relais_referral.workflows.housekeeping import PurgeIdempotencyKeysWorkflow
from relais_referral.workflows.retention import EraseExpiredJobseekersWorkflow
from relais_shared.temporal import ensure_schedule

PURGE_EVERY = timedelta(hours=1)
ERASURE_EVERY = timedelta(hours=24)
ARRIVAL_MAIL_EVERY = {"immediate": timedelta(minutes=5), "digest": timedelta(hours=24)}


def purge_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-idempotency-purge"


def erasure_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-retention-erasure"


async def ensure_purge_schedule(client: Client, task_queue: str, every: timedelta = PURGE_EVERY) -> str:
    """The hourly purge of expired idempotency keys; every worker calls it, the first one creates it.

    Keys are thus kept for their retention and deleted at most ``every`` later (one purge at a time, a
    missed run not caught up beyond one interval: the next one deletes the same rows)."""
    return await ensure_schedule(
        client, purge_schedule_id(task_queue), PurgeIdempotencyKeysWorkflow.run, task_queue, every
    )


async def ensure_erasure_schedule(client: Client, task_queue: str, every: timedelta = ERASURE_EVERY) -> str:
    """The daily erasure of people past their retention period, on the same terms as the purge."""
    return await ensure_schedule(
        client, erasure_schedule_id(task_queue), EraseExpiredJobseekersWorkflow.run, task_queue, every
    )


def arrival_mail_schedule_id(task_queue: str, mode: str) -> str:
    return f"{task_queue}-arrival-mail-{mode}"


async def ensure_arrival_mail_schedules(
    client: Client, task_queue: str, every: dict[str, timedelta] | None = None
) -> list[str]:
    """New referrals by e-mail: every few minutes for ``immediate`` organisations, daily for ``digest``."""
    every = every or ARRIVAL_MAIL_EVERY
    return [
        await ensure_schedule(
            client,
            arrival_mail_schedule_id(task_queue, mode),
            ReferralArrivalMailWorkflow.run,
            task_queue,
            every[mode],
            args=[mode],
        )
        for mode in ("immediate", "digest")
    ]
