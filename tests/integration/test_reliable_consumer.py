"""Idempotent consumption, bounded retries and dead letters, through the real broker and PostgreSQL."""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import structlog
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pydantic import BaseModel, model_validator
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from relais_dev.stack import Stack
from relais_shared.consumer import reliable_subscriber
from relais_shared.db import infrastructure_tables, make_engine, make_sessionmaker
from relais_shared.dlq import read_dead_letters, replay_dead_letters
from relais_shared.envelope import IncomingEnvelope, read_data
from relais_shared.kafka import make_broker, read_topic
from relais_shared.outbox import idempotent_producer

pytestmark = pytest.mark.integration

metadata = MetaData()
infra = infrastructure_tables(metadata)
effects = Table(
    "effects", metadata, Column("subject", String(100), primary_key=True), Column("count", Integer)
)


@dataclass
class Harness:
    engine: AsyncEngine
    topic: str
    dlq: str
    attempts: dict[str, int]
    mode: str
    group: str

    async def effect_count(self, subject: str) -> int | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(effects.c.count).where(effects.c.subject == subject))).scalar()


async def count_effect(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    """The handler's effect is not idempotent by itself: it counts every call."""
    await session.execute(
        insert(effects)
        .values(subject=envelope.subject, count=1)
        .on_conflict_do_update(index_elements=[effects.c.subject], set_={"count": effects.c.count + 1})
    )


VALIDATIONS: Counter[str] = Counter()  # how often each probe's data was validated, by its marker


class ProbeRecorded(BaseModel):
    """The consumer's contract of ``probe.recorded.v1`` (tolerant: unknown fields are ignored)."""

    explode: bool = False
    outage_for: int = 0
    marker: str = ""

    @model_validator(mode="after")
    def _count(self) -> "ProbeRecorded":
        VALIDATIONS[self.marker] += 1
        return self


CONTRACTS = {"probe.recorded.v1": ProbeRecorded}


@pytest.fixture(scope="module")
def metric_reader() -> InMemoryMetricReader:
    """The process's meter provider, read in memory (the product exports through OTLP when configured)."""
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    return reader


@pytest.fixture(params=["handler", "batch_handler"])
async def harness(
    request: pytest.FixtureRequest, stack: Stack, scratch_database: str, scratch_topics: list[str]
) -> AsyncIterator[Harness]:
    """Every rule below holds for a per-message handler and for a set-based batch handler alike."""
    engine = make_engine(scratch_database, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    attempts: dict[str, int] = {}

    async def handler(session: AsyncSession, envelope: IncomingEnvelope) -> None:
        attempts[envelope.subject] = attempts.get(envelope.subject, 0) + 1
        read_data(envelope, ProbeRecorded)  # as handlers read their data
        if envelope.data.get("explode"):
            raise ValueError("cannot handle this message")
        if envelope.data.get("outage_for") and attempts[envelope.subject] <= envelope.data["outage_for"]:
            raise ConnectionRefusedError("the database is restarting")
        await count_effect(session, envelope)

    async def batch_handler(session: AsyncSession, envelopes: Sequence[IncomingEnvelope]) -> None:
        for one in envelopes:
            await handler(session, one)

    handlers: dict[str, Any] = {request.param: handler if request.param == "handler" else batch_handler}
    broker = make_broker(stack.kafka_bootstrap, "test-consumer")
    group = f"test-{uuid.uuid4().hex[:6]}"
    reliable_subscriber(
        broker,
        topics=(scratch_topics[0],),
        group_id=group,
        dead_letter_topic=scratch_topics[1],
        sessions=make_sessionmaker(engine),
        processed=infra.processed_events,
        contracts=CONTRACTS,
        **handlers,
        max_retries=2,
        backoff_s=0.05,
    )
    await broker.start()
    yield Harness(engine, scratch_topics[0], scratch_topics[1], attempts, request.param, group)
    await broker.stop()
    await engine.dispose()


def envelope(subject: str, event_type: str = "probe.recorded.v1", **data: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "source": "probe",
        "subject": subject,
        "time": "2026-11-30T10:00:00Z",
        "dataschema": "contracts/events/probe/probe.recorded.v1.schema.json",
        "data": data,
    }


async def send(stack: Stack, topic: str, *values: bytes, key: bytes = b"k") -> None:
    producer = idempotent_producer(stack.kafka_bootstrap, "test-producer")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def eventually(check: Any, timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    pytest.fail("condition not reached in time")


async def test_the_same_event_delivered_twice_has_one_effect(stack: Stack, harness: Harness) -> None:
    event = envelope("twice")
    await send(stack, harness.topic, json.dumps(event).encode(), json.dumps(event).encode())
    await send(stack, harness.topic, json.dumps(envelope("marker")).encode())
    await eventually(lambda: harness.effect_count("marker"))
    delivered = [r for r in await read_topic(stack.kafka_bootstrap, harness.topic) if b'"twice"' in r.value]
    assert len(delivered) == 2  # on the wire twice ...
    assert await harness.effect_count("twice") == 1  # ... applied once
    assert harness.attempts["twice"] == 1  # the redelivery never reached the handler


async def test_a_handler_reads_the_data_the_contract_check_validated_without_validating_it_again(
    stack: Stack, harness: Harness
) -> None:
    marker = uuid.uuid4().hex
    await send(stack, harness.topic, json.dumps(envelope(marker, marker=marker)).encode())
    await eventually(lambda: harness.effect_count(marker))
    assert VALIDATIONS[marker] == 1  # the kernel's check; the handler's read_data got that model


async def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(
    stack: Stack, harness: Harness
) -> None:
    await send(
        stack,
        harness.topic,
        b"{not json",
        json.dumps(envelope("explodes", explode=True)).encode(),
        json.dumps(envelope("after-poison")).encode(),
    )
    assert await eventually(lambda: harness.effect_count("after-poison")) == 1
    letters = await eventually(lambda: _letters_when(stack, harness.dlq, 2))
    by_error = {letter.value: letter for letter in letters}
    assert "invalid envelope" in by_error[b"{not json"].error
    exploded = next(letter for letter in letters if b"explodes" in letter.value)
    assert "cannot handle this message" in exploded.error
    assert exploded.original_topic == harness.topic
    # One try and two bounded retries, then the dead-letter topic; a batch handler's failed batch of
    # several messages is charged to none of them, so the culprit may get that one try more.
    tries = harness.attempts["explodes"]
    assert tries == 3 if harness.mode == "handler" else 3 <= tries <= 4
    assert await harness.effect_count("explodes") is None


async def test_replayed_dead_letters_reach_the_consumer_again_and_stay_idempotent(
    stack: Stack, harness: Harness
) -> None:
    await send(stack, harness.topic, json.dumps(envelope("replayed", explode=True)).encode())
    [letter] = await eventually(lambda: _letters_when(stack, harness.dlq, 1))
    assert await replay_dead_letters(stack.kafka_bootstrap, harness.dlq) == 1
    await eventually(lambda: _attempts_reach(harness, "replayed", 6))
    assert letter.error


async def _letters_when(stack: Stack, topic: str, count: int) -> list[Any] | None:
    letters = await read_dead_letters(stack.kafka_bootstrap, topic)
    return letters if len(letters) >= count else None


async def _attempts_reach(harness: Harness, subject: str, count: int) -> bool:
    return harness.attempts.get(subject, 0) >= count


async def test_a_dependency_outage_is_waited_for_never_dead_lettered_and_applied_once(
    stack: Stack, harness: Harness
) -> None:
    # Five failed attempts: more than the bounded retries of one delivery (three), so the message is
    # not committed, comes back, and succeeds once the "database" is back.
    await send(stack, harness.topic, json.dumps(envelope("outage", outage_for=5)).encode())
    assert await eventually(lambda: harness.effect_count("outage")) == 1
    assert harness.attempts["outage"] == 6
    assert await read_dead_letters(stack.kafka_bootstrap, harness.dlq) == []


async def test_a_known_event_whose_data_breaks_its_contract_is_dead_lettered_never_handled(
    stack: Stack, harness: Harness
) -> None:
    broken = envelope("broken", outage_for="not a number")
    await send(
        stack, harness.topic, json.dumps(broken).encode(), json.dumps(envelope("after-broken")).encode()
    )
    assert await eventually(lambda: harness.effect_count("after-broken")) == 1
    [letter] = await eventually(lambda: _letters_when(stack, harness.dlq, 1))
    assert "data breaks the contract of probe.recorded.v1" in letter.error
    assert "outage_for" in letter.error
    assert "broken" not in harness.attempts  # the handler never saw it
    async with harness.engine.connect() as conn:
        claimed = await conn.execute(
            select(infra.processed_events).where(infra.processed_events.c.event_id == broken["id"])
        )
        assert claimed.first() is None  # not recorded as processed either


async def test_an_unknown_event_type_is_skipped_counted_and_logged_once(
    stack: Stack, harness: Harness, metric_reader: InMemoryMetricReader
) -> None:
    unknown = [envelope(f"unknown-{n}", event_type="probe.renamed.v9") for n in range(3)]
    with structlog.testing.capture_logs() as logs:
        await send(stack, harness.topic, *(json.dumps(e).encode() for e in unknown))
        await send(stack, harness.topic, json.dumps(envelope("after-unknown")).encode())
        assert await eventually(lambda: harness.effect_count("after-unknown")) == 1
    assert not any(key.startswith("unknown-") for key in harness.attempts)
    assert await read_dead_letters(stack.kafka_bootstrap, harness.dlq) == []
    skipped = [
        point.value
        for metric in _metrics(metric_reader)
        if metric.name == "relais.consumer.unknown_events"
        for point in metric.data.data_points
        if point.attributes.get("cloudevents.event_type") == "probe.renamed.v9"
        and point.attributes.get("messaging.consumer.group.name") == harness.group
    ]
    assert skipped == [3]
    warnings = [
        e for e in logs if e.get("event_type") == "probe.renamed.v9" and e.get("consumer") == harness.group
    ]
    assert len(warnings) == 1


def _metrics(reader: InMemoryMetricReader) -> list[Any]:
    data = reader.get_metrics_data()
    if data is None:
        return []
    return [m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
