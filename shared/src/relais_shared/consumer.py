"""Reliable Kafka consumption: commit after the handler's transaction, deduplicate, retry, dead-letter.

Every subscriber built here
- belongs to a consumer group and commits its offset only after the handler's transaction committed
  (FastStream ``AckPolicy.NACK_ON_ERROR``: an infrastructure failure seeks back instead of losing);
- writes ``processed_events(event_id, consumer)`` in that same transaction, so a redelivery is a no-op;
- retries a failing handler a bounded number of times with exponential backoff; then a message that
  cannot succeed (bad data, a bug) goes to the group's dead-letter topic with its error and the consumer
  moves on, while a message that failed because a dependency is down (database, Temporal, broker) is not
  committed: the consumer seeks back and tries again until the dependency returns. Nothing is lost to an
  outage, and nothing blocks the partition for ever because of one bad message.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_shared.db import transaction
from relais_shared.envelope import IncomingEnvelope
from relais_shared.telemetry import get_logger

log = get_logger(__name__)

Handler = Callable[[AsyncSession, IncomingEnvelope], Awaitable[None]]


class PermanentError(Exception):
    """A message that can never succeed (bad data): dead-letter it at once, without retrying."""


def is_transient(exc: BaseException) -> bool:
    """Failures of a dependency rather than of the message: worth waiting for, never dead-lettered."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OSError | TimeoutError | ConnectionError | OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or _pg_code(exc) in TRANSIENT_SQLSTATES):
        return True
    try:
        from temporalio.service import RPCError, RPCStatusCode

        transient_rpc = {
            RPCStatusCode.UNAVAILABLE,
            RPCStatusCode.DEADLINE_EXCEEDED,
            RPCStatusCode.RESOURCE_EXHAUSTED,
            RPCStatusCode.ABORTED,
        }
        if isinstance(exc, RPCError) and exc.status in transient_rpc:
            return True
    except ImportError:  # pragma: no cover - temporalio is a dependency of the package
        pass
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError

    return isinstance(exc, KafkaConnectionError | KafkaTimeoutError | NodeNotReadyError)


# Deadlock, serialization failure, too many connections, shutting down, cannot connect now.
TRANSIENT_SQLSTATES = {"40P01", "40001", "53300", "57P01", "57P03"}


def _pg_code(exc: Exception) -> str | None:
    original = getattr(exc, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


async def claim_event(session: AsyncSession, processed: Table, event_id: Any, consumer: str) -> bool:
    """True the first time this consumer sees the event; False on a redelivery."""
    result = await session.execute(
        insert(processed)
        .values(event_id=event_id, consumer=consumer)
        .on_conflict_do_nothing()
        .returning(processed.c.event_id)
    )
    return result.first() is not None


async def _raw_decoder(msg: KafkaMessage) -> bytes:
    return msg.body


def reliable_subscriber(
    broker: KafkaBroker,
    *,
    topics: tuple[str, ...],
    group_id: str,
    dead_letter_topic: str,
    sessions: async_sessionmaker[AsyncSession],
    processed: Table,
    handler: Handler,
    max_retries: int = 3,
    backoff_s: float = 0.2,
) -> Callable[..., Awaitable[None]]:
    async def on_message(body: bytes, msg: KafkaMessage) -> None:
        record = msg.raw_message
        try:
            envelope = IncomingEnvelope.model_validate_json(body)
        except ValidationError as exc:
            await _dead_letter(broker, dead_letter_topic, group_id, record, body, f"invalid envelope: {exc}")
            return
        last_error = ""
        for attempt in range(max_retries + 1):
            try:
                async with transaction(sessions) as session:
                    if not await claim_event(session, processed, envelope.id, group_id):
                        log.info("duplicate event ignored", event_id=str(envelope.id), consumer=group_id)
                        return
                    await handler(session, envelope)
                return
            except (PermanentError, ValidationError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                break
            except Exception as exc:
                last_error = "".join(traceback.format_exception_only(exc)).strip()
                log.warning(
                    "handler failed", event_id=str(envelope.id), attempt=attempt + 1, error=type(exc).__name__
                )
                if attempt < max_retries:
                    await asyncio.sleep(backoff_s * 2**attempt)
                elif is_transient(exc):
                    # Not committed: FastStream seeks back and the message comes again once the outage ends.
                    raise
        await _dead_letter(broker, dead_letter_topic, group_id, record, body, last_error)

    return broker.subscriber(
        *topics,
        group_id=group_id,
        title=f"{group_id}:{','.join(topics)}",
        description=f"Consumer group {group_id}; poison messages go to {dead_letter_topic}",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_raw_decoder,
        max_poll_interval_ms=300_000,
    )(on_message)


async def _dead_letter(
    broker: KafkaBroker, topic: str, group_id: str, record: Any, body: bytes, error: str
) -> None:
    log.error("message dead-lettered", consumer=group_id, topic=record.topic, offset=record.offset)
    headers = {
        "x-relais-error": error[:2000],
        "x-relais-consumer": group_id,
        "x-relais-original-topic": record.topic,
        "x-relais-original-partition": str(record.partition),
        "x-relais-original-offset": str(record.offset),
        "x-relais-failed-at": datetime.now(UTC).isoformat(),
    }
    for key, value in record.headers or ():
        if key == "traceparent":
            headers[key] = value.decode()
    await broker.publish(body, topic=topic, key=record.key, headers=headers)
