"""Transactional outbox: events commit with the state change; the relay publishes them to Kafka.

The relay claims unpublished rows with ``FOR UPDATE SKIP LOCKED`` (several relays may run), sends them
with an idempotent producer (``acks=all``) and marks them published in the same transaction. It sleeps
on ``LISTEN relais_outbox`` and wakes as soon as a writer commits. If it dies between claim and mark,
the rows stay unpublished and are sent by the next relay: at-least-once on the wire, exactly-once in
effect because every consumer deduplicates on the event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from relais_shared.envelope import Envelope
from relais_shared.telemetry import current_trace_headers, get_logger

NOTIFY_CHANNEL = "relais_outbox"
log = get_logger(__name__)


async def add_to_outbox(session: AsyncSession, outbox: Table, envelope: Envelope, topic: str) -> None:
    """Stage an event in the caller's transaction; it is published only if that transaction commits."""
    await session.execute(
        outbox.insert().values(
            event_id=envelope.id,
            topic=topic,
            key=envelope.subject,
            event_type=envelope.type,
            payload=envelope.model_dump_json().encode(),
            headers=current_trace_headers(),
        )
    )
    # NOTIFY is transactional in PostgreSQL: the relay is woken only if the commit happens. Once per
    # transaction is enough (PostgreSQL would fold the repeats anyway): one round trip less per event.
    transaction = session.get_transaction()
    if session.info.get(_NOTIFIED) is not transaction:
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
        session.info[_NOTIFIED] = transaction


_NOTIFIED = "relais.outbox.notified"


def idempotent_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
    )


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class OutboxRelay:
    def __init__(
        self,
        *,
        database_url: str,
        bootstrap: str,
        client_id: str,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        max_attempts: int = 20,
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._producer = idempotent_producer(bootstrap, client_id)
        self._batch_size = batch_size
        self._poll = poll_interval_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._max_attempts = max_attempts
        self._claimed: list[int] = []
        self.published = 0

    async def run(self) -> None:
        await self._producer.start()
        listener = await asyncpg.connect(self._dsn)
        conn: asyncpg.Connection | None = None
        try:
            # One active relay per database keeps each aggregate's events in commit order; others stand by.
            while not await listener.fetchval("SELECT pg_try_advisory_lock(hashtext('relais.outbox.relay'))"):
                if self._stopping.is_set():
                    return
                await asyncio.sleep(self._poll)
            await listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            failures = 0
            while not self._stopping.is_set():
                try:
                    if conn is None or conn.is_closed():
                        conn = await asyncpg.connect(self._dsn)
                    sent = await self.publish_batch(conn)
                    failures = 0
                except Exception as exc:  # the broker or the database is away: wait, never die
                    failures += 1
                    log.error("outbox batch failed", error=type(exc).__name__, failures=failures)
                    await self._record_failure(exc)
                    await asyncio.sleep(min(30.0, 0.5 * 2**failures))
                    continue
                if sent == self._batch_size:
                    continue  # backlog: keep draining without sleeping
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
        finally:
            await listener.close()
            if conn is not None:
                await conn.close()
            await self._producer.stop()

    async def _record_failure(self, exc: Exception) -> None:
        """Count the attempt on the failed batch; a row that keeps failing is parked, not blocking."""
        if not self._claimed:
            return
        with contextlib.suppress(Exception):
            conn = await asyncpg.connect(self._dsn)
            try:
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = ANY($2::bigint[])",
                    f"{type(exc).__name__}: {exc}"[:500],
                    self._claimed,
                )
            finally:
                await conn.close()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        async with conn.transaction():
            rows = await conn.fetch(
                "SELECT id, topic, key, payload, headers FROM outbox WHERE published_at IS NULL "
                "AND attempts < $2 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
                self._max_attempts,
            )
            self._claimed = [row["id"] for row in rows]
            if not rows:
                return 0
            if os.environ.get("RELAIS_RELAY_FAULT") == "die_after_claim":
                # Fault injection for the test "relay killed between commit and publish".
                os._exit(137)
            futures = []
            for row in rows:
                headers = _headers(row["headers"])
                futures.append(
                    await self._producer.send(
                        row["topic"], value=row["payload"], key=row["key"].encode(), headers=headers
                    )
                )
            await asyncio.gather(*futures)
            await conn.execute(
                "UPDATE outbox SET published_at = $1, attempts = attempts + 1 WHERE id = ANY($2::bigint[])",
                datetime.now(UTC),
                [row["id"] for row in rows],
            )
        self.published += len(rows)
        return len(rows)


def _headers(raw: Any) -> list[tuple[str, bytes]]:
    import json

    values = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return [(k, str(v).encode()) for k, v in values.items()]
