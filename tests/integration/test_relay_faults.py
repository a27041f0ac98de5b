"""The outbox relay under faults, against the real PostgreSQL and Kafka: a lost connection, a row the
broker refuses, an oversized event, parked rows and their re-queueing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import asyncpg
import pytest
from sqlalchemy import MetaData, Table

from relais_dev.stack import Stack
from relais_dev.testing import eventually
from relais_shared.db import infrastructure_tables, make_engine, make_sessionmaker, transaction
from relais_shared.envelope import EventData, wrap
from relais_shared.kafka import read_topic
from relais_shared.outbox import (
    LOCK_NAME,
    MAX_ATTEMPTS,
    EventTooLarge,
    OutboxRelay,
    add_to_outbox,
    asyncpg_dsn,
)
from relais_shared.outbox_admin import parked_rows, requeue

pytestmark = pytest.mark.integration


class ProbeNotedV1(EventData):
    event_type: ClassVar[str] = "probe.noted.v1"
    source: ClassVar[str] = "probe"
    topic: ClassVar[str] = "relais.probe.events"
    probe_id: uuid.UUID
    note: str = ""

    def subject(self) -> str:
        return str(self.probe_id)


@dataclass
class Outbox:
    url: str
    table: Table
    conn: asyncpg.Connection
    topic: str

    async def stage(self, probe_id: uuid.UUID | None = None, note: str = "") -> uuid.UUID:
        """Commits one event the normal way (``add_to_outbox`` in a transaction, with its NOTIFY)."""
        engine = make_engine(self.url, pool_size=1)
        try:
            envelope = wrap(ProbeNotedV1(probe_id=probe_id or uuid.uuid4(), note=note))
            async with transaction(make_sessionmaker(engine)) as session:
                await add_to_outbox(session, self.table, envelope, self.topic)
            return envelope.id
        finally:
            await engine.dispose()

    async def insert_raw(self, key: str, payload: bytes) -> int:
        """A row as a faulty or older writer could have left it, bypassing ``add_to_outbox``'s checks."""
        return int(
            await self.conn.fetchval(
                "INSERT INTO outbox (event_id, topic, key, event_type, payload) "
                "VALUES ($1, $2, $3, 'probe.noted.v1', $4) RETURNING id",
                uuid.uuid4(),
                self.topic,
                key,
                payload,
            )
        )

    async def row(self, row_id: int) -> asyncpg.Record:
        return await self.conn.fetchrow("SELECT * FROM outbox WHERE id = $1", row_id)

    async def unpublished(self) -> int:
        return int(await self.conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))


@pytest.fixture
async def outbox(stack: Stack, scratch_database: str, scratch_topics: list[str]) -> AsyncIterator[Outbox]:
    metadata = MetaData()
    infra = infrastructure_tables(metadata)
    engine = make_engine(scratch_database, pool_size=1)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    conn = await asyncpg.connect(asyncpg_dsn(scratch_database))
    yield Outbox(scratch_database, infra.outbox, conn, scratch_topics[0])
    await conn.close()


class Relay:
    """An ``OutboxRelay`` running as a task of the test, stopped at the end whatever happens."""

    def __init__(self, stack: Stack, outbox: Outbox, name: str, **options: Any) -> None:
        self.relay = OutboxRelay(
            database_url=outbox.url,
            bootstrap=stack.kafka_bootstrap,
            client_id=name,
            outbox=outbox.table,
            **options,
        )
        self.task = asyncio.create_task(self.relay.run())

    async def stop(self) -> None:
        self.relay.stop()
        await asyncio.wait_for(self.task, timeout=30)


async def lock_holder(conn: asyncpg.Connection) -> int | None:
    """The backend pid holding the relay lock of this database, if any."""
    return await conn.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND objid = (hashtext($1)::bigint & 4294967295)::oid",
        LOCK_NAME,
    )


async def test_a_relay_whose_connection_is_lost_takes_its_lock_and_listen_back_and_a_second_relay_stands_by(
    stack: Stack, outbox: Outbox
) -> None:
    # A poll interval far longer than the test: only NOTIFY (that is, a live LISTEN) can wake it.
    first = Relay(stack, outbox, "relay-first", poll_interval_s=120)
    second: Relay | None = None
    try:
        await eventually(lambda: lock_holder(outbox.conn), "the first relay holds the lock", 20)
        await outbox.stage()
        await eventually(_published(first, 1), "published on NOTIFY", 20)

        # What a PostgreSQL restart does to the relay: its session, the lock and the LISTEN are gone.
        lost = await lock_holder(outbox.conn)
        await outbox.conn.execute("SELECT pg_terminate_backend($1)", lost)

        async def relocked() -> bool:
            holder = await lock_holder(outbox.conn)
            return holder is not None and holder != lost and first.relay.holds_lock

        await eventually(relocked, "the relay holds its lock again on a new connection", 20)
        second = Relay(stack, outbox, "relay-second", poll_interval_s=0.2)
        await asyncio.sleep(1)  # the second relay tries the lock a few times meanwhile
        for _ in range(5):
            await outbox.stage()
        await eventually(_published(first, 6), "events published on NOTIFY after the reconnection", 20)
        assert await outbox.unpublished() == 0
        assert second.relay.published == 0, "two relays published at once"
        assert not second.relay.holds_lock
    finally:
        await first.stop()
        if second is not None:
            await second.stop()
    assert len(await read_topic(stack.kafka_bootstrap, outbox.topic)) == 6


def _published(relay: Relay, count: int) -> Any:
    async def check() -> bool:
        return relay.relay.published >= count

    return check


async def test_a_row_the_broker_refuses_is_charged_alone_and_holds_back_only_its_own_aggregate(
    stack: Stack, outbox: Outbox
) -> None:
    blocked_key = str(uuid.uuid4())
    oversized = await outbox.insert_raw(blocked_key, b"x" * 1_500_000)  # over the broker's 1 MiB
    healthy = [await outbox.insert_raw(str(uuid.uuid4()), b'{"n": %d}' % n) for n in range(5)]
    follower = await outbox.insert_raw(blocked_key, b'{"after": "the oversized one"}')
    relay = Relay(stack, outbox, "relay-refused", max_attempts=3, retry_backoff_s=4)
    try:

        async def healthy_published() -> bool:
            return all([(await outbox.row(row_id))["published_at"] is not None for row_id in healthy])

        await eventually(healthy_published, "the other aggregates' rows published", 20)
        for row_id in healthy:
            assert (await outbox.row(row_id))["attempts"] == 1, (
                "a healthy row was charged for another's failure"
            )
        bad = await outbox.row(oversized)
        assert bad["attempts"] == 1
        assert "MessageSizeTooLarge" in bad["last_error"]
        # Its aggregate waits behind it, in order, while it is being retried.
        assert (await outbox.row(follower))["published_at"] is None

        async def parked_then_follower_sent() -> bool:
            return (await outbox.row(follower))["published_at"] is not None

        await eventually(parked_then_follower_sent, "the refused row parked, its aggregate going on", 40)
        bad = await outbox.row(oversized)
        assert bad["attempts"] == 3 and bad["published_at"] is None
    finally:
        await relay.stop()
    keys = [r.key.decode() for r in await read_topic(stack.kafka_bootstrap, outbox.topic)]
    assert keys.count(blocked_key) == 1  # the follower only


async def test_an_oversized_event_is_refused_when_written_and_its_transaction_leaves_nothing(
    stack: Stack, outbox: Outbox
) -> None:
    with pytest.raises(EventTooLarge):
        await outbox.stage(note="x" * 300_000)
    assert await outbox.conn.fetchval("SELECT count(*) FROM outbox") == 0


async def test_parked_rows_are_listed_with_their_error_and_a_requeued_row_is_published(
    stack: Stack, outbox: Outbox
) -> None:
    # A row parked by an earlier failure: listed, re-queued by the operator, then published.
    row_id = await outbox.insert_raw(str(uuid.uuid4()), json.dumps({"parked": True}).encode())
    await outbox.conn.execute(
        "UPDATE outbox SET attempts = $2, last_error = 'KafkaTimeoutError: earlier' WHERE id = $1",
        row_id,
        MAX_ATTEMPTS,
    )
    relay = Relay(stack, outbox, "relay-parked", poll_interval_s=120)
    try:
        await eventually(lambda: lock_holder(outbox.conn), "relay active", 20)
        [parked] = await parked_rows(outbox.url)
        assert (parked.id, parked.attempts, parked.last_error) == (
            row_id,
            MAX_ATTEMPTS,
            "KafkaTimeoutError: earlier",
        )
        assert relay.relay.published == 0  # the relay leaves a parked row alone
        assert await requeue(outbox.url, [row_id]) == [row_id]
        await eventually(_published(relay, 1), "re-queued row published on NOTIFY", 20)
    finally:
        await relay.stop()
    assert await parked_rows(outbox.url) == []
    assert (await outbox.row(row_id))["published_at"] is not None


async def test_the_cli_lists_shows_and_requeues_parked_rows(stack: Stack, outbox: Outbox) -> None:
    row_id = await outbox.insert_raw(str(uuid.uuid4()), b'{"cli": true}')
    await outbox.conn.execute(
        "UPDATE outbox SET attempts = $2, last_error = 'boom' WHERE id = $1", row_id, MAX_ATTEMPTS
    )

    def relais(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "relais_dev.cli", "outbox", *args, "--database-url", outbox.url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    listing = await asyncio.to_thread(relais, "parked")
    assert f"{row_id}\tprobe.noted.v1" in listing and "1 parked row(s)" in listing
    shown = json.loads(await asyncio.to_thread(relais, "show", str(row_id)))
    assert shown["payload"] == {"cli": True} and shown["last_error"] == "boom"
    assert f"re-queued 1 row(s): {row_id}" in await asyncio.to_thread(relais, "requeue", "--all")
    assert await outbox.conn.fetchval("SELECT attempts FROM outbox WHERE id = $1", row_id) == 0
