"""``ReferralArrivalMailWorkflow``: tells receiving organisations of new referrals by e-mail.

Run by two Temporal Schedules of the referral worker (``workflows/schedules.py``): every few minutes for
the organisations whose setting is ``immediate``, once a day for those on ``digest``. What is sent and
when: ``service_layer/arrival_mail.py``. The history holds the mode and a count, never an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

MAIL_TIMEOUT = timedelta(minutes=5)
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=5))


@dataclass
class ArrivalMailActivities:
    sessions: Any  # async_sessionmaker of the referral database
    notifier: Any
    context: Any  # PactContext

    @activity.defn(name="send_arrival_mails")
    async def send(self, mode: str) -> int:
        from relais_referral.service_layer.arrival_mail import send_arrival_mails

        return await send_arrival_mails(self.sessions, self.notifier, self.context, mode)


@workflow.defn
class ReferralArrivalMailWorkflow:
    @workflow.run
    async def run(self, mode: str) -> int:
        return await workflow.execute_activity_method(
            ArrivalMailActivities.send,
            mode,
            start_to_close_timeout=MAIL_TIMEOUT,
            retry_policy=MAIL_RETRY,
        )
