"""``evaluation-ingestion``: every other service's events into the store (reliable, idempotent, batched)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_evaluation.adapters.db.models import infra
from relais_evaluation.adapters.db.store import FactStore
from relais_evaluation.adapters.events.contracts import CONTRACTS
from relais_evaluation.adapters.events.mapping import facts_of
from relais_evaluation.service_layer.ingestion import ingest
from relais_shared.consumer import reliable_subscriber
from relais_shared.envelope import IncomingEnvelope

INGESTION_GROUP = "evaluation-ingestion"
# Every other service's topic (a test holds this to the topic catalogue).
INGESTED_TOPICS = ("relais.clauses.events", "relais.referral.events", "relais.training.events")


def batch_handler(
    pact_key: str, *, apply_erasures: bool = True, erasure_grace: timedelta = timedelta(0)
) -> Any:
    # With a grace period, whether erasures are due is looked at once a minute at most, not every batch.
    # The worker's erasure sweep (adapters/workflows/erasures.py) is what bounds the delay when no event
    # comes; this look is kept because it costs one indexed EXISTS a minute and, under traffic, unlinks a
    # person about a minute after the grace period rather than up to a sweep interval later. Both take
    # the cells' lock and apply only what is not applied yet, so either may run first.
    every = min(erasure_grace.total_seconds(), 60.0)
    next_look = 0.0

    async def handle(session: AsyncSession, envelopes: Sequence[IncomingEnvelope]) -> None:
        nonlocal next_look
        facts = [fact for envelope in envelopes for fact in facts_of(envelope, pact_key)]
        look = apply_erasures and time.monotonic() >= next_look
        await ingest(FactStore(session), facts, apply_erasures=look, erasure_grace=erasure_grace)
        if look:
            next_look = time.monotonic() + every

    return handle


def subscribe_ingestion(
    broker: Any,
    *,
    sessions: async_sessionmaker[AsyncSession],
    pact_key: str,
    group_id: str = INGESTION_GROUP,
    topics: tuple[str, ...] = INGESTED_TOPICS,
    dead_letter_topic: str,
    max_retries: int,
    backoff_s: float,
    batch_size: int = 500,
    erasure_grace: timedelta = timedelta(0),
) -> None:
    reliable_subscriber(
        broker,
        topics=topics,
        group_id=group_id,
        dead_letter_topic=dead_letter_topic,
        sessions=sessions,
        processed=infra.processed_events,
        contracts=CONTRACTS,
        batch_handler=batch_handler(pact_key, erasure_grace=erasure_grace),
        max_retries=max_retries,
        backoff_s=backoff_s,
        batch_size=batch_size,
    )
