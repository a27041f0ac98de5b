"""``referral-relay``: publishes the referral outbox to Kafka."""

from __future__ import annotations

import asyncio
import signal

from relais_referral.db.models import infra
from relais_referral.settings import ReferralSettings
from relais_shared.outbox import OutboxRelay
from relais_shared.telemetry import get_logger, setup_telemetry


async def _main() -> None:
    settings = ReferralSettings()
    setup_telemetry("referral", "relay")
    relay = OutboxRelay(
        database_url=settings.database_url,
        bootstrap=settings.kafka_bootstrap,
        client_id="referral-relay",
        outbox=infra.outbox,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, relay.stop)
    get_logger(__name__).info("relay started")
    await relay.run()


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
