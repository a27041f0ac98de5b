"""Reliable Kafka consumption: commit after the handler's transaction, deduplicate, retry, dead-letter.

Every subscriber built here
- belongs to a consumer group and commits its offsets only after the handler's transaction committed
  (FastStream ``AckPolicy.NACK_ON_ERROR``: an infrastructure failure seeks back instead of losing);
- writes ``processed_events(event_id, consumer)`` in that same transaction, so a redelivery is a no-op;
- retries a failing handler a bounded number of times with exponential backoff; then a message that
  cannot succeed (bad data, a bug) goes to the group's dead-letter topic with its error and the consumer
  moves on, while a message that failed because a dependency is down (database, Temporal, broker) is not
  committed: the consumer seeks back and tries again until the dependency returns. Nothing is lost to an
  outage, and nothing blocks the partition for ever because of one bad message.

Every message is checked before any handler sees it: an envelope that does not parse, or an event of a
type the consumer knows (``contracts``) whose ``data`` breaks that contract, goes to the dead-letter
topic at once with the error. An event of a type the consumer does not know is skipped (tolerant
reader: producers may publish new types before consumers learn them), counted in the
``relais.consumer.unknown_events`` metric and logged once per type.

Messages are taken in batches of what the broker already holds (up to ``batch_size``): the whole batch
is handled in one transaction and its offsets committed once, which is what lets a consumer keep up
with a backlog (one commit and one transaction per message cost ~10 ms each). When the batch fails,
it is rolled back and its messages are handled one by one, each in its own transaction, with the
bounded retries and the dead-letter topic above; the failed batch counts as the first try of the
message that raised. Handlers must therefore tolerate running again after a rollback, as they already
must after a redelivery (idempotent effects outside the database).

A consumer whose work is set-based (a projection) gives a ``batch_handler`` instead: the batch's event
ids are claimed in one statement and the handler receives every new envelope at once, so a batch of
hundreds of messages costs two round trips instead of three per message. Its batch gets one span,
linked to the producers' traces. When it fails, its messages are handled one by one as above; the
failed batch counts as a try only when the message was alone in it (the culprit of a batch of several
is not known, so it gets one try more).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind
from pydantic import BaseModel, ValidationError
from sqlalchemy import String, Table, TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relais_shared.db import transaction
from relais_shared.envelope import IncomingEnvelope, checked_data
from relais_shared.faults import is_transient
from relais_shared.telemetry import get_logger

log = get_logger(__name__)

Handler = Callable[[AsyncSession, IncomingEnvelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[IncomingEnvelope]], Awaitable[None]]

# A batch span links to this many producer traces at most (the SDK's default span limit).
MAX_BATCH_LINKS = 128

_UNKNOWN_EVENTS = metrics.get_meter(__name__).create_counter(
    "relais.consumer.unknown_events",
    unit="{event}",
    description="Events skipped because the consumer knows no contract for their type",
)
_unknown_types_logged: set[tuple[str, str]] = set()


def validate_contract(
    envelope: IncomingEnvelope, contracts: Mapping[str, type[BaseModel]]
) -> BaseModel | None:
    """The event's data as its contract's model, None if the consumer knows no contract for its type.

    Raises ``ValidationError`` if the data breaks the contract. Consumers read tolerantly: fields the
    producer added later are ignored, missing or mistyped ones are not.
    """
    model = contracts.get(envelope.type)
    if model is None:
        return None
    known = _known_fields(model)
    if known is None:
        return model.model_validate(envelope.data)
    return model.model_validate({k: v for k, v in envelope.data.items() if k in known})


@cache
def _known_fields(model: type[BaseModel]) -> frozenset[str] | None:
    """The fields a contract model reads; None when the model ignores unknown fields by itself (pydantic's
    default), so that the data is validated as it came, without a filtered copy of it per event."""
    if model.model_config.get("extra", "ignore") == "ignore":
        return None
    return frozenset(model.model_fields)


def check_contract(envelope: IncomingEnvelope, contracts: Mapping[str, type[BaseModel]]) -> bool:
    """True if the event is for this consumer; raises ``ValidationError`` if its data breaks its contract."""
    return validate_contract(envelope, contracts) is not None


def _skip_unknown(group_id: str, record: Any, envelope: IncomingEnvelope) -> None:
    _UNKNOWN_EVENTS.add(
        1, {"messaging.consumer.group.name": group_id, "cloudevents.event_type": envelope.type}
    )
    if (group_id, envelope.type) not in _unknown_types_logged:
        _unknown_types_logged.add((group_id, envelope.type))
        log.warning(
            "event type unknown to this consumer skipped (logged once per type)",
            consumer=group_id,
            event_type=envelope.type,
            topic=record.topic,
        )


class PermanentError(Exception):
    """A message that can never succeed (bad data): dead-letter it at once, without retrying."""


# SQLAlchemy 2.0 never caches a PostgreSQL ``INSERT … ON CONFLICT`` (its dialect ``Insert`` opts out of
# the statement cache) and compiled it anew for every message; as text it compiles once per table,
# whose name comes from code, never from input.
@cache
def _claim_sql(processed: Table) -> TextClause:
    return text(
        f"INSERT INTO {processed.name} (event_id, consumer) SELECT unnest(:ids), :consumer "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    ).bindparams(
        bindparam("ids", type_=ARRAY(processed.c.event_id.type)), bindparam("consumer", type_=String)
    )


async def claim_event(session: AsyncSession, processed: Table, event_id: Any, consumer: str) -> bool:
    """True the first time this consumer sees the event; False on a redelivery."""
    return bool(await claim_events(session, processed, [event_id], consumer))


async def claim_events(
    session: AsyncSession, processed: Table, event_ids: Sequence[Any], consumer: str
) -> set[Any]:
    """The ids among ``event_ids`` this consumer has never seen, claimed in one statement."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return set()
    result = await session.execute(_claim_sql(processed), {"ids": ids, "consumer": consumer})
    return set(result.scalars())


async def _raw_decoder(msg: KafkaMessage) -> Any:
    return msg.body


def _message_span(group_id: str, record: Any) -> AbstractContextManager[Span]:
    """One span per message, child of the producer's trace (a batch's own span only links to them)."""
    return trace.get_tracer(__name__).start_as_current_span(
        f"{record.topic} process",
        context=propagate.extract(_carrier(record)),
        kind=SpanKind.CONSUMER,
        attributes={"messaging.consumer.group.name": group_id, "messaging.kafka.offset": record.offset},
    )


def _carrier(record: Any) -> dict[str, str]:
    return {key: value.decode() for key, value in (record.headers or ()) if key == "traceparent"}


_PRODUCER_CONTEXTS: ContextVar[Mapping[Any, Context]] = ContextVar(
    "relais_producer_contexts", default=MappingProxyType({})
)


def producer_context(envelope: IncomingEnvelope) -> Context | None:
    """The trace context a message of the batch being handled came with (None outside a batch).

    A batch handler that acts per message (a workflow start) opens its span in this context, so that the
    trace of the request that caused the event goes on through the consumer to what it starts.
    """
    return _PRODUCER_CONTEXTS.get().get(envelope.id)


def _batch_span(
    group_id: str, topic: str, size: int, producers: Sequence[Context]
) -> AbstractContextManager[Span]:
    """One span for a batch handled at once, linked to the traces of (the first of) its messages."""
    links = [trace.Link(trace.get_current_span(c).get_span_context()) for c in producers[:MAX_BATCH_LINKS]]
    return trace.get_tracer(__name__).start_as_current_span(
        f"{topic} process",
        links=links,
        kind=SpanKind.CONSUMER,
        attributes={"messaging.consumer.group.name": group_id, "messaging.batch.message_count": size},
    )


def reliable_subscriber(
    broker: KafkaBroker,
    *,
    topics: tuple[str, ...],
    group_id: str,
    dead_letter_topic: str,
    sessions: async_sessionmaker[AsyncSession],
    processed: Table,
    contracts: Mapping[str, type[BaseModel]],
    handler: Handler | None = None,
    batch_handler: BatchHandler | None = None,
    max_retries: int = 3,
    backoff_s: float = 0.2,
    batch_size: int = 500,
    batch_wait_ms: int = 50,
) -> Callable[..., Awaitable[None]]:
    """Subscribe ``handler`` (one envelope at a time) or ``batch_handler`` (every new envelope at once).

    ``contracts`` maps each event type the consumer handles to the model its ``data`` must satisfy.
    """
    if (handler is None) == (batch_handler is None):
        raise TypeError("give exactly one of handler and batch_handler")

    async def handle(session: AsyncSession, envelope: IncomingEnvelope) -> None:
        if handler is not None:
            await handler(session, envelope)
        else:
            assert batch_handler is not None
            await batch_handler(session, [envelope])

    async def handle_alone(record: Any, envelope: IncomingEnvelope, tried: int = 0, error: str = "") -> None:
        """One message in its own transaction; ``tried`` attempts already failed with ``error``."""
        last_error = error
        transient: Exception | None = None
        for attempt in range(tried, max_retries + 1):
            if attempt > 0:
                await asyncio.sleep(backoff_s * 2 ** (attempt - 1))
            try:
                with _message_span(group_id, record):
                    async with transaction(sessions) as session:
                        if not await claim_event(session, processed, envelope.id, group_id):
                            log.info("duplicate event ignored", event_id=str(envelope.id), consumer=group_id)
                            return
                        await handle(session, envelope)
                return
            except (PermanentError, ValidationError) as exc:
                last_error, transient = f"{type(exc).__name__}: {exc}", None
                break
            except Exception as exc:
                last_error = "".join(traceback.format_exception_only(exc)).strip()
                transient = exc if is_transient(exc) else None
                log.warning(
                    "handler failed", event_id=str(envelope.id), attempt=attempt + 1, error=type(exc).__name__
                )
        if transient is not None:
            # Not committed: FastStream seeks back and the message comes again once the outage ends.
            raise transient
        await _dead_letter(broker, dead_letter_topic, group_id, record, record.value, last_error)

    async def on_batch(bodies: list[bytes], msg: KafkaMessage) -> None:
        records: Sequence[Any] = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
        parsed: list[tuple[Any, IncomingEnvelope]] = []
        models: dict[Any, BaseModel] = {}
        for record in records:
            try:
                envelope = IncomingEnvelope.model_validate_json(record.value)
            except ValidationError as exc:
                await _dead_letter(
                    broker, dead_letter_topic, group_id, record, record.value, f"invalid envelope: {exc}"
                )
                continue
            try:
                model = validate_contract(envelope, contracts)
            except ValidationError as exc:
                await _dead_letter(
                    broker,
                    dead_letter_topic,
                    group_id,
                    record,
                    record.value,
                    f"data breaks the contract of {envelope.type}: {exc}",
                )
                continue
            if model is not None:
                parsed.append((record, envelope))
                models[envelope.id] = model
            else:
                _skip_unknown(group_id, record, envelope)
        if not parsed:
            return
        # Every handler below reads the data the check validated (``read_data``), even one by one.
        with checked_data(models):
            await handle_parsed(parsed)

    async def handle_parsed(parsed: list[tuple[Any, IncomingEnvelope]]) -> None:
        failed_at, failure = -1, ""
        try:
            async with transaction(sessions) as session:
                if batch_handler is not None:
                    failed_at = 0 if len(parsed) == 1 else -1  # a failed batch of several: nobody's try
                    contexts = {e.id: propagate.extract(_carrier(record)) for record, e in parsed}
                    traced = {  # a message without a trace: its work stays in the batch's span
                        event_id: context
                        for event_id, context in contexts.items()
                        if trace.get_current_span(context).get_span_context().is_valid
                    }
                    token = _PRODUCER_CONTEXTS.set(traced)
                    try:
                        with _batch_span(group_id, parsed[0][0].topic, len(parsed), list(traced.values())):
                            fresh = await claim_events(session, processed, list(contexts), group_id)
                            envelopes = {e.id: e for _, e in parsed if e.id in fresh}
                            await batch_handler(session, list(envelopes.values()))
                    finally:
                        _PRODUCER_CONTEXTS.reset(token)
                else:
                    for index, (record, envelope) in enumerate(parsed):
                        failed_at = index
                        with _message_span(group_id, record):
                            if await claim_event(session, processed, envelope.id, group_id):
                                await handle(session, envelope)
                    failed_at = -1  # past the handlers: a failure now is the commit's, no message's
            return
        except PermanentError as exc:
            failure = f"PermanentError: {exc}"
        except Exception as exc:
            failure = "".join(traceback.format_exception_only(exc)).strip()
            log.warning(
                "batch failed, handling its messages one by one", size=len(parsed), error=type(exc).__name__
            )
        for index, (record, envelope) in enumerate(parsed):
            if index != failed_at:
                await handle_alone(record, envelope)
            elif failure.startswith("PermanentError"):
                await _dead_letter(broker, dead_letter_topic, group_id, record, record.value, failure)
            else:
                await handle_alone(record, envelope, tried=1, error=failure)

    return broker.subscriber(
        *topics,
        group_id=group_id,
        title=f"{group_id}:{','.join(topics)}",
        description=f"Consumer group {group_id}; poison messages go to {dead_letter_topic}",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_raw_decoder,
        max_poll_interval_ms=300_000,
        batch=True,
        max_records=batch_size,
        batch_timeout_ms=batch_wait_ms,
    )(on_batch)


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
