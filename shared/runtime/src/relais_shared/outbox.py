"""Transactional outbox: events commit with the state change; the relay publishes them to Kafka.

Writers stage events with :func:`add_to_outbox` in their own transaction (an event too large for the
broker is refused there, so the state change is refused with it). The relay publishes them:

- **One active relay per database.** The relay holds a session-level advisory lock on the same
  connection that claims the rows and listens for ``NOTIFY``. If that connection is lost (a PostgreSQL
  restart, a network cut), the lock and the ``LISTEN`` are gone with it: the relay stops publishing,
  reconnects, waits until it holds the lock again and listens again. A relay started beside it stands
  by until the lock is free, so each aggregate's events go out in commit order.
- **At-least-once on the wire, exactly-once in effect.** Rows are claimed with ``FOR UPDATE SKIP
  LOCKED``, sent with an idempotent producer (``acks=all``) and marked published in the same
  transaction; a relay that dies in between leaves them for the next one, and consumers deduplicate on
  the event id.
- **A failure is charged to the row that failed.** The other rows of the batch are published; rows
  that follow a failed row of the same aggregate wait (its order is kept), and the failed row is tried
  again after a backoff. After ``max_attempts`` a row is *parked*: it no longer holds its aggregate back
  (the order of that aggregate is then broken, and an error is logged); ``relais outbox`` lists,
  inspects and re-queues parked rows. A broker or database outage is nobody's fault: no row is charged,
  the relay waits and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from relais_shared.envelope import Envelope
from relais_shared.telemetry import current_trace_headers, get_logger

NOTIFY_CHANNEL = "relais_outbox"
LOCK_NAME = "relais.outbox.relay"
# Events carry ids, codes and dates, never documents: a quarter of the broker's default message size
# (1 MiB, also aiokafka's ``max_request_size``) is far more than any contract needs.
MAX_EVENT_BYTES = 256 * 1024
# Attempts after which a row is parked (``relais outbox parked`` lists them).
MAX_ATTEMPTS = 20
log = get_logger(__name__)


class EventTooLarge(ValueError):
    """An event larger than the broker accepts: refused when written, so it never blocks the relay."""


async def add_to_outbox(session: AsyncSession, outbox: Table, envelope: Envelope, topic: str) -> None:
    """Stage an event in the caller's transaction; it is published only if that transaction commits."""
    await add_all_to_outbox(session, outbox, [(envelope, topic)])


async def add_all_to_outbox(session: AsyncSession, outbox: Table, events: list[tuple[Envelope, str]]) -> None:
    """Stage events in the caller's transaction, in their order, with one statement for all of them
    (a 10,000-line hours import stages 10,000 events: one INSERT each was most of its time)."""
    if not events:
        return
    headers = current_trace_headers()
    rows = []
    for envelope, topic in events:
        payload = envelope.model_dump_json().encode()
        if len(payload) > MAX_EVENT_BYTES:
            raise EventTooLarge(
                f"{envelope.type} of {len(payload)} bytes exceeds the {MAX_EVENT_BYTES}-byte event limit"
            )
        rows.append(
            {
                "event_id": envelope.id,
                "topic": topic,
                "key": envelope.subject,
                "event_type": envelope.type,
                "payload": payload,
                "headers": headers,
            }
        )
    await session.execute(outbox.insert(), rows)
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


@dataclass
class BatchOutcome:
    """What one claimed batch came to."""

    published: int = 0
    charged: list[int] = field(default_factory=list)  # rows whose own failure was counted
    outage: BaseException | None = None  # the broker refused everything: nobody's fault


class LockLost(Exception):
    """The relay's connection, and with it the advisory lock and the LISTEN, is gone."""


class OutboxRelay:
    def __init__(
        self,
        *,
        database_url: str,
        bootstrap: str,
        client_id: str,
        outbox: Table,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        max_attempts: int = MAX_ATTEMPTS,
        retry_backoff_s: float = 1.0,
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._producer = idempotent_producer(bootstrap, client_id)
        self._table = _quoted(outbox)
        self._batch_size = batch_size
        self._poll = poll_interval_s
        self._max_attempts = max_attempts
        self._retry_backoff = retry_backoff_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        # Rows that failed on their own, and when they may be tried again; their aggregates wait.
        self._held: dict[int, tuple[str, float]] = {}
        self._outage_since: float | None = None
        self.published = 0
        self.holds_lock = False

    # ---------------------------------------------------------------- lifecycle
    async def run(self) -> None:
        await self._start_producer()
        try:
            failures = 0
            while not self._stopping.is_set():
                conn: asyncpg.Connection | None = None
                try:
                    conn = await self._connect_and_lock()
                    if conn is None:
                        return
                    failures = 0
                    await self._publish_while_locked(conn)
                except Exception as exc:  # the database is away: wait, never die
                    failures += 1
                    self._outage(exc, "database")
                    await self._sleep(min(30.0, 0.5 * 2**failures))
                finally:
                    self.holds_lock = False
                    if conn is not None:
                        with contextlib.suppress(Exception):
                            await conn.close(timeout=2)
        finally:
            await self._producer.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _start_producer(self) -> None:
        failures = 0
        while True:
            try:
                await self._producer.start()
                return
            except Exception as exc:
                if self._stopping.is_set():
                    raise
                failures += 1
                self._outage(exc, "broker")
                await self._sleep(min(30.0, 0.5 * 2**failures))

    async def _connect_and_lock(self) -> asyncpg.Connection | None:
        """A connection holding the relay lock and listening, or None when asked to stop meanwhile."""
        conn = await asyncpg.connect(self._dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", LOCK_NAME):
                if self._stopping.is_set():
                    await conn.close()
                    return None
                await self._sleep(self._poll)  # another relay is active: stand by
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            conn.add_termination_listener(lambda *_: self._wake.set())
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
            raise
        self.holds_lock = True
        if self._outage_since is not None:
            log.warning("outbox relay back", down_s=round(time.monotonic() - self._outage_since, 1))
            self._outage_since = None
        log.info("outbox relay active (lock held, listening)")
        return conn

    async def _publish_while_locked(self, conn: asyncpg.Connection) -> None:
        broker_failures = 0
        while not self._stopping.is_set():
            if conn.is_closed():
                raise LockLost("the relay's connection closed: lock and LISTEN lost")
            # Cleared before the batch, not after: a NOTIFY that arrives while the batch is published
            # must still wake the wait below, or its row would sit until the next poll.
            self._wake.clear()
            outcome = await self.publish_batch(conn)
            if outcome.outage is not None:
                broker_failures += 1
                self._outage(outcome.outage, "broker")
                await self._sleep(min(30.0, 0.5 * 2**broker_failures))
                continue
            if broker_failures and self._outage_since is not None:
                log.warning("outbox relay back", down_s=round(time.monotonic() - self._outage_since, 1))
                self._outage_since = None
            broker_failures = 0
            if outcome.published + len(outcome.charged) == self._batch_size:
                continue  # backlog: keep draining without sleeping
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_wake())

    def _next_wake(self) -> float:
        """Sleep until woken, the poll interval, or the next retry of a held row, whichever comes first."""
        if not self._held:
            return self._poll
        soonest = min(at for _, at in self._held.values()) - time.monotonic()
        return max(0.05, min(self._poll, soonest))

    def _outage(self, exc: BaseException, what: str) -> None:
        """Logged once per outage, with its cause; the relay keeps trying quietly meanwhile."""
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.error(f"outbox relay waiting for the {what}", error=f"{type(exc).__name__}: {exc}"[:300])

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # ---------------------------------------------------------------- one batch
    async def publish_batch(self, conn: asyncpg.Connection) -> BatchOutcome:
        now = time.monotonic()
        self._held = {row_id: held for row_id, held in self._held.items() if held[1] > now}
        waiting_ids = list(self._held)
        waiting_keys = list({key for key, _ in self._held.values()})
        outcome = BatchOutcome()
        async with conn.transaction():
            rows = await conn.fetch(
                f"SELECT id, topic, key, payload, headers, attempts FROM {self._table} "  # noqa: S608 - name from code
                "WHERE published_at IS NULL AND attempts < $2 "
                "AND NOT (id = ANY($3::bigint[])) AND NOT (key = ANY($4::text[])) "
                "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
                self._max_attempts,
                waiting_ids,
                waiting_keys,
            )
            if not rows:
                return outcome
            sent, failed = await self._send(rows)
            if sent:
                await conn.execute(
                    f"UPDATE {self._table} SET published_at = $1, attempts = attempts + 1 "  # noqa: S608
                    "WHERE id = ANY($2::bigint[])",
                    datetime.now(UTC),
                    [row["id"] for row in sent],
                )
            if failed and not sent and all(_is_outage(exc) for _, exc in failed):
                outcome.outage = failed[0][1]  # the broker is away: nothing is any row's fault
            else:
                outcome.charged = await self._charge(conn, failed)
        self.published += len(sent)
        outcome.published = len(sent)
        return outcome

    async def _send(
        self, rows: Sequence[asyncpg.Record]
    ) -> tuple[list[asyncpg.Record], list[tuple[asyncpg.Record, BaseException]]]:
        """Send in id order; an aggregate whose row fails sends nothing more in this batch."""
        failed: list[tuple[asyncpg.Record, BaseException]] = []
        blocked: set[str] = set()
        pending: list[tuple[asyncpg.Record, asyncio.Future[Any]]] = []
        for row in rows:
            if row["key"] in blocked:
                continue
            try:
                future = await self._producer.send(
                    row["topic"],
                    value=row["payload"],
                    key=row["key"].encode(),
                    headers=_headers(row["headers"]),
                )
            except Exception as exc:  # refused before it left (too large, broker away)
                failed.append((row, exc))
                if _is_outage(exc):
                    break  # the rest would wait for the broker in turn
                blocked.add(row["key"])
                continue
            pending.append((row, future))
        results = await asyncio.gather(*(future for _, future in pending), return_exceptions=True)
        sent: list[asyncpg.Record] = []
        for (row, _), result in zip(pending, results, strict=True):
            if isinstance(result, BaseException):
                failed.append((row, result))
            else:
                sent.append(row)
        return sent, failed

    async def _charge(
        self, conn: asyncpg.Connection, failed: Sequence[tuple[asyncpg.Record, BaseException]]
    ) -> list[int]:
        """Count each failure against its own row; hold the row (and its aggregate) for a backoff."""
        charged = []
        for row, exc in failed:
            attempts = row["attempts"] + 1
            error = f"{type(exc).__name__}: {exc}"[:500]
            await conn.execute(
                f"UPDATE {self._table} SET attempts = $2, last_error = $3 WHERE id = $1",  # noqa: S608
                row["id"],
                attempts,
                error,
            )
            charged.append(row["id"])
            if attempts >= self._max_attempts:
                self._held.pop(row["id"], None)
                log.error(
                    "outbox row parked: its aggregate's later events go on without it",
                    outbox_id=row["id"],
                    topic=row["topic"],
                    attempts=attempts,
                    error=error,
                )
            else:
                delay = min(300.0, self._retry_backoff * 2 ** (attempts - 1))
                self._held[row["id"]] = (row["key"], time.monotonic() + delay)
                log.warning("outbox row failed", outbox_id=row["id"], attempts=attempts, error=error)
        return charged


def _is_outage(exc: BaseException) -> bool:
    from aiokafka.errors import (
        KafkaConnectionError,
        KafkaTimeoutError,
        NodeNotReadyError,
        RequestTimedOutError,
    )

    return isinstance(
        exc, KafkaConnectionError | KafkaTimeoutError | NodeNotReadyError | RequestTimedOutError | OSError
    )


def _quoted(table: Table) -> str:
    name = f'"{table.name}"'
    return f'"{table.schema}".{name}' if table.schema else name


def _headers(raw: Any) -> list[tuple[str, bytes]]:
    values = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return [(k, str(v).encode()) for k, v in values.items()]
