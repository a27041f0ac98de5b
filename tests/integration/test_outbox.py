"""Transactional outbox and relay against the real PostgreSQL and Kafka."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from typing import ClassVar

import pytest
from sqlalchemy import MetaData, select

from relais_dev.stack import Stack
from relais_shared.db import infrastructure_tables, make_engine, make_sessionmaker, transaction
from relais_shared.envelope import EventData, wrap
from relais_shared.kafka import read_topic
from relais_shared.outbox import OutboxRelay, add_to_outbox

pytestmark = pytest.mark.integration


class ProbeRecordedV1(EventData):
    event_type: ClassVar[str] = "probe.recorded.v1"
    source: ClassVar[str] = "probe"
    topic: ClassVar[str] = "relais.probe.events"
    probe_id: uuid.UUID

    def subject(self) -> str:
        return str(self.probe_id)


# A relay killed (as by SIGKILL) after claiming its rows and before sending any: a subclass in a
# process of its own, so that no fault-injection hook sits in the product's publishing path.
DIES_AFTER_CLAIM = """
import asyncio, os, sys
from sqlalchemy import MetaData
from relais_shared.db import infrastructure_tables
from relais_shared.outbox import OutboxRelay

class DiesAfterClaim(OutboxRelay):
    async def _send(self, rows):
        os._exit(137)

async def main():
    outbox = infrastructure_tables(MetaData()).outbox
    relay = DiesAfterClaim(database_url=sys.argv[1], bootstrap=sys.argv[2], client_id="dies", outbox=outbox)
    await relay.run()

asyncio.run(main())
"""


async def _outbox_database(url: str):  # type: ignore[no-untyped-def]
    metadata = MetaData()
    infra = infrastructure_tables(metadata)
    engine = make_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return engine, infra


def _ids(records: list) -> list[str]:  # type: ignore[type-arg]
    import json

    return [json.loads(r.value)["id"] for r in records]


async def test_a_rolled_back_transaction_publishes_nothing(
    stack: Stack, scratch_database: str, scratch_topics: list[str]
) -> None:
    engine, infra = await _outbox_database(scratch_database)
    sessions = make_sessionmaker(engine)
    envelope = wrap(ProbeRecordedV1(probe_id=uuid.uuid4()))
    with pytest.raises(RuntimeError, match="state change failed"):
        async with transaction(sessions) as session:
            await add_to_outbox(session, infra.outbox, envelope, scratch_topics[0])
            raise RuntimeError("state change failed after the event was staged")
    relay = OutboxRelay(
        database_url=scratch_database,
        bootstrap=stack.kafka_bootstrap,
        client_id="test-relay",
        outbox=infra.outbox,
    )
    relay_task = asyncio.create_task(relay.run())
    await asyncio.sleep(2)
    relay.stop()
    await relay_task
    async with sessions() as session:
        assert (await session.execute(select(infra.outbox))).all() == []
    assert relay.published == 0
    assert await read_topic(stack.kafka_bootstrap, scratch_topics[0]) == []
    await engine.dispose()


async def test_a_relay_killed_between_commit_and_publish_publishes_the_event_later_exactly_once(
    stack: Stack, scratch_database: str, scratch_topics: list[str]
) -> None:
    engine, infra = await _outbox_database(scratch_database)
    sessions = make_sessionmaker(engine)
    envelope = wrap(ProbeRecordedV1(probe_id=uuid.uuid4()))
    async with transaction(sessions) as session:
        await add_to_outbox(session, infra.outbox, envelope, scratch_topics[0])

    env = {
        **os.environ,
        "RELAIS_REFERRAL_DATABASE_URL": scratch_database,
        "RELAIS_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
    }
    relay_cmd = [sys.executable, "-m", "relais_referral.entrypoints.relay"]
    # First relay: claims the committed row, then dies before anything reaches Kafka.
    crashed = subprocess.run(
        [sys.executable, "-c", DIES_AFTER_CLAIM, scratch_database, stack.kafka_bootstrap],
        env=env,
        timeout=60,
        capture_output=True,
    )
    assert crashed.returncode == 137
    assert await read_topic(stack.kafka_bootstrap, scratch_topics[0]) == []
    async with sessions() as session:
        assert (await session.execute(select(infra.outbox.c.published_at))).scalar_one() is None

    # Second relay: a normal start publishes the event and marks it sent.
    relay = subprocess.Popen(relay_cmd, env=env)
    try:
        for _ in range(100):
            async with sessions() as session:
                if (await session.execute(select(infra.outbox.c.published_at))).scalar_one() is not None:
                    break
            await asyncio.sleep(0.2)
        else:
            pytest.fail("the restarted relay did not publish the event")
        await asyncio.sleep(1.5)  # one more relay cycle: a duplicate would show now
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=30)
    assert _ids(await read_topic(stack.kafka_bootstrap, scratch_topics[0])) == [str(envelope.id)]
    await engine.dispose()


async def test_the_relay_forwards_the_trace_context_stored_with_the_event(
    stack: Stack, scratch_database: str, scratch_topics: list[str]
) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    engine, infra = await _outbox_database(scratch_database)
    sessions = make_sessionmaker(engine)
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("submit") as span:
        async with transaction(sessions) as session:
            await add_to_outbox(
                session, infra.outbox, wrap(ProbeRecordedV1(probe_id=uuid.uuid4())), scratch_topics[0]
            )
        trace_id = format(span.get_span_context().trace_id, "032x")
    relay = OutboxRelay(
        database_url=scratch_database,
        bootstrap=stack.kafka_bootstrap,
        client_id="test-relay",
        outbox=infra.outbox,
    )
    relay_task = asyncio.create_task(relay.run())
    try:
        [record] = await _wait_for_records(stack, scratch_topics[0], 1)
    finally:
        relay.stop()
        await relay_task
    assert trace_id in dict(record.headers)["traceparent"].decode()
    await engine.dispose()


async def _wait_for_records(stack: Stack, topic: str, count: int) -> list:  # type: ignore[type-arg]
    for _ in range(50):
        records = await read_topic(stack.kafka_bootstrap, topic)
        if len(records) >= count:
            return records
        await asyncio.sleep(0.2)
    pytest.fail(f"fewer than {count} records arrived in {topic}")


async def test_an_event_committed_while_the_relay_publishes_a_batch_is_published_without_waiting_for_the_poll(
    stack: Stack, scratch_database: str, scratch_topics: list[str]
) -> None:
    """The NOTIFY of a row committed during a batch must wake the relay once that batch is done."""
    engine, infra = await _outbox_database(scratch_database)
    sessions = make_sessionmaker(engine)
    first, second = (wrap(ProbeRecordedV1(probe_id=uuid.uuid4())) for _ in range(2))
    async with transaction(sessions) as session:
        await add_to_outbox(session, infra.outbox, first, scratch_topics[0])

    class StagesDuringItsFirstBatch(OutboxRelay):
        staged = False

        async def _send(self, rows):  # type: ignore[no-untyped-def]
            if not self.staged:  # another request commits its event (and its NOTIFY) meanwhile
                self.staged = True
                async with transaction(sessions) as session:
                    await add_to_outbox(session, infra.outbox, second, scratch_topics[0])
                await asyncio.sleep(0.5)  # the notification reaches the relay's connection
            return await super()._send(rows)

    relay = StagesDuringItsFirstBatch(
        database_url=scratch_database,
        bootstrap=stack.kafka_bootstrap,
        client_id="test-relay",
        outbox=infra.outbox,
        poll_interval_s=120.0,  # only the NOTIFY can bring the second event out in time
    )
    relay_task = asyncio.create_task(relay.run())
    try:
        for _ in range(100):
            if relay.published >= 2:
                break
            await asyncio.sleep(0.1)
    finally:
        relay.stop()
        await relay_task
    assert relay.published == 2, "the second event waited for the next poll"
    # Two aggregates, so possibly two partitions: the topic's order across them is not theirs.
    published = _ids(await read_topic(stack.kafka_bootstrap, scratch_topics[0]))
    assert sorted(published) == sorted([str(first.id), str(second.id)])
    await engine.dispose()
