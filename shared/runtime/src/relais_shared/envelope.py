"""The event envelope (CloudEvents-style) and the registry of integration event types.

Integration events are contracts: each type has a pydantic data model whose JSON Schema lives under
``contracts/events``. Producers forbid unknown fields; consumers ignore them (``extra="ignore"``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class EventData(BaseModel):
    """Base of every event payload. Subclasses set ``event_type``, ``source`` and ``version``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    source: ClassVar[str]
    topic: ClassVar[str]

    def subject(self) -> str:
        raise NotImplementedError


T = TypeVar("T", bound="EventData")
M = TypeVar("M", bound=BaseModel)


class Envelope(BaseModel):
    """What travels on Kafka. ``id`` is also the idempotency key of every consumer."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(examples=["referral.submitted.v1"])
    source: str = Field(examples=["referral"])
    subject: str = Field(description="Aggregate id; also the Kafka key")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    dataschema: str
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None
    data: dict[str, Any]


class IncomingEnvelope(Envelope):
    """The consumer's view: tolerant of fields added later to the envelope."""

    model_config = ConfigDict(extra="ignore")


class EventRegistry:
    """Maps ``type`` strings to their data models, so consumers can parse and producers can validate."""

    def __init__(self) -> None:
        self._types: dict[str, type[EventData]] = {}

    def register(self, model: type[EventData]) -> type[EventData]:
        self._types[model.event_type] = model
        return model

    def model_for(self, event_type: str) -> type[EventData] | None:
        return self._types.get(event_type)

    def all(self) -> dict[str, type[EventData]]:
        return dict(self._types)


# The data of the envelopes being handled, as the consumer's contract check validated it (by event id).
_CHECKED: ContextVar[Mapping[Any, BaseModel]] = ContextVar(
    "relais_checked_data", default=MappingProxyType({})
)


@contextmanager
def checked_data(models: Mapping[Any, BaseModel]) -> Iterator[None]:
    """While handlers run, ``read_data`` gives each event's data as the check validated it."""
    token = _CHECKED.set(models)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def read_data(envelope: Envelope, model: type[M]) -> M:
    """Parse an event's data as a consumer: fields added later by the producer are ignored.

    Validated once: inside a consumer's handler the kernel has already checked the data against the
    consumer's contract, and that model is returned.
    """
    checked = _CHECKED.get().get(envelope.id)
    if type(checked) is model:
        return checked
    known = {k: v for k, v in envelope.data.items() if k in model.model_fields}
    return model.model_validate(known)


def dataschema_for(event_type: str) -> str:
    domain = event_type.split(".", 1)[0]
    name, _, version = event_type.rpartition(".")
    return f"contracts/events/{domain}/{name}.{version}.schema.json"


def wrap(
    data: EventData,
    *,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> Envelope:
    return Envelope(
        id=event_id or uuid.uuid4(),
        type=data.event_type,
        source=data.source,
        subject=data.subject(),
        dataschema=dataschema_for(data.event_type),
        correlation_id=correlation_id,
        causation_id=causation_id,
        data=data.model_dump(mode="json"),
    )
