"""Rebuild the store from Kafka, from scratch: empty it, reset the ingestion group's offsets, replay.

The ingestion consumer must be stopped (the group has no member): the rebuild refuses otherwise, since
the two would write the same rows. It reads every partition of the ingested topics from its beginning
to the end it had when the rebuild started, in batches each handled in one transaction with the same
code as the live consumer (claims in ``processed_events`` included), and commits the group's offsets
after each batch; erasures are applied once at the end. The live consumer, started again, goes on from
there. Messages the live consumer had dead-lettered are skipped again (counted in the report).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_evaluation.adapters.db.models import FACT_TABLES, infra
from relais_evaluation.adapters.db.store import FactStore
from relais_evaluation.adapters.events.consumer import INGESTED_TOPICS, INGESTION_GROUP, batch_handler
from relais_evaluation.adapters.events.contracts import CONTRACTS
from relais_shared.consumer import claim_events, validate_contract
from relais_shared.db import transaction
from relais_shared.envelope import IncomingEnvelope, checked_data
from relais_shared.telemetry import get_logger

log = get_logger(__name__)


class ConsumerStillRunning(RuntimeError):
    """The ingestion group has members: stop ``evaluation-consumer`` before rebuilding."""


@dataclass(frozen=True)
class RebuildReport:
    events: int
    skipped: int
    seconds: float


async def _check_group_idle(bootstrap: str, group: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    for response in described:
        for entry in getattr(response, "groups", []):
            # (error_code, group_id, state, protocol_type, protocol, members, …)
            state, members = entry[2], entry[5]
            if members or state not in ("Empty", "Dead", ""):
                raise ConsumerStillRunning(f"the group {group} is {state} with {len(members)} member(s)")


async def empty_store(sessions: async_sessionmaker[AsyncSession], group: str = INGESTION_GROUP) -> None:
    async with transaction(sessions) as session:
        names = ", ".join(t.name for t in FACT_TABLES)
        await session.execute(text(f"TRUNCATE {names}"))
        await session.execute(
            delete(infra.processed_events).where(infra.processed_events.c.consumer == group)
        )


async def rebuild(
    sessions: async_sessionmaker[AsyncSession],
    *,
    bootstrap: str,
    pact_key: str,
    topics: tuple[str, ...] = INGESTED_TOPICS,
    group: str = INGESTION_GROUP,
    batch_size: int = 2000,
) -> RebuildReport:
    started = time.perf_counter()
    await _check_group_idle(bootstrap, group)
    await empty_store(sessions, group)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    handle = batch_handler(pact_key, apply_erasures=False)
    events = skipped = 0
    writing: asyncio.Task[None] | None = None

    async def _write(
        envelopes: list[IncomingEnvelope],
        parsed: dict[Any, BaseModel],
        offsets: dict[TopicPartition, OffsetAndMetadata],
    ) -> None:
        async with transaction(sessions) as session:
            fresh = await claim_events(session, infra.processed_events, [e.id for e in envelopes], group)
            with checked_data(parsed):
                await handle(session, [e for e in envelopes if e.id in fresh])
        if offsets:
            await consumer.commit(offsets)

    try:
        # A consumer that subscribes to nothing has no metadata until asked (as relais_shared.kafka does).
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        if not partitions:
            raise RuntimeError(f"none of the topics {topics} exists on the broker")
        consumer.assign(partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in beginnings.items()})
        await consumer.seek_to_beginning(*partitions)
        remaining = {tp for tp in partitions if ends[tp] > beginnings[tp]}
        # Pipelined: while one batch is written (PostgreSQL's work), the next is fetched and parsed
        # (this process's work). Batches are still written one at a time and in order, each offset
        # committed after its own batch's transaction.
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=batch_size)
            records = [r for tp, batch in fetched.items() for r in batch if r.offset < ends[tp]]
            parsed: dict[Any, BaseModel] = {}
            envelopes: list[IncomingEnvelope] = []
            for index, record in enumerate(records):
                if index % 200 == 199:
                    await asyncio.sleep(0)  # the batch being written sends its next statement
                checked = _parse(record)
                if checked is None:
                    skipped += 1
                else:
                    envelopes.append(checked[0])
                    parsed[checked[0].id] = checked[1]
            offsets = {
                tp: OffsetAndMetadata(min(batch[-1].offset + 1, ends[tp]), "")
                for tp, batch in fetched.items()
                if batch
            }
            if writing is not None:
                await writing
            writing = asyncio.create_task(_write(envelopes, parsed, offsets))
            events += len(records)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        if writing is not None:
            await writing
        async with transaction(sessions) as session:
            await FactStore(session).apply_erasures()
    finally:
        if writing is not None and not writing.done():
            writing.cancel()  # its transaction rolls back; the offsets stay at the last batch written
        await consumer.stop()
    report = RebuildReport(events, skipped, time.perf_counter() - started)
    log.info("store rebuilt", events=report.events, skipped=report.skipped, seconds=round(report.seconds, 1))
    return report


def _parse(record: Any) -> tuple[IncomingEnvelope, BaseModel] | None:
    try:
        envelope = IncomingEnvelope.model_validate_json(record.value)
        model = validate_contract(envelope, CONTRACTS)
    except ValidationError:
        return None
    return None if model is None else (envelope, model)
