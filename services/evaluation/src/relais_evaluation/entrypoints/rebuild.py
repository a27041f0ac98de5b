"""``evaluation-rebuild``: empties the store and replays every ingested topic from its beginning.

Stop ``evaluation-consumer`` first (the command refuses while the ingestion group has members), run this,
then start the consumer again: it goes on from where the rebuild stopped.
"""

from __future__ import annotations

import asyncio
import sys

from relais_evaluation.adapters.events.replay import ConsumerStillRunning, rebuild
from relais_evaluation.settings import EvaluationSettings
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.runners import settle_garbage_collector
from relais_shared.telemetry import setup_telemetry


async def _main() -> int:
    settings = EvaluationSettings()
    setup_telemetry(settings.service_name, "rebuild", trace_file=settings.trace_file)
    engine = make_engine(settings.database_url, pool_size=2)
    settle_garbage_collector()
    try:
        report = await rebuild(
            make_sessionmaker(engine),
            bootstrap=settings.kafka_bootstrap,
            pact_key=settings.pact_key,
            group=settings.ingestion_group,
        )
    except ConsumerStillRunning as exc:
        print(f"refused: {exc}; stop evaluation-consumer first", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(f"rebuilt from {report.events} events ({report.skipped} skipped) in {report.seconds:.1f} s")
    return 0


def main() -> None:
    sys.exit(asyncio.run(_main()))


if __name__ == "__main__":
    main()
