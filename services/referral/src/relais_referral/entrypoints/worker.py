"""``referral-worker``: the Temporal worker of the referral and journey workflows."""

from __future__ import annotations

import asyncio
import signal

from relais_referral.notifications import SmtpNotifier
from relais_referral.service_layer.context import PactContext
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.activities import ReferralActivities
from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.telemetry import setup_telemetry
from relais_shared.temporal import connect_temporal, make_worker


async def _main() -> None:
    settings = ReferralSettings()
    setup_telemetry("referral", "worker")
    engine = make_engine(settings.database_url, pool_size=5)
    client = await connect_temporal(settings.temporal_address, settings.temporal_namespace)
    notifier = SmtpNotifier(
        settings.smtp_host, settings.smtp_port, settings.smtp_sender, start_tls=settings.smtp_start_tls
    )
    activities = ReferralActivities(make_sessionmaker(engine), notifier, PactContext.from_settings(settings))
    worker = make_worker(
        client,
        task_queue=settings.task_queue,
        workflows=[ReferralWorkflow, JourneyWorkflow],
        activities=[
            activities.escalate,
            activities.expire,
            activities.notify_returned,
            activities.journey_step,
        ],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()
    await engine.dispose()


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
