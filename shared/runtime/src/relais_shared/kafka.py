"""Kafka helpers: the FastStream broker factory, the topic catalogue and topic creation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider


def make_broker(bootstrap: str, client_id: str, tracer_provider: TracerProvider | None = None) -> KafkaBroker:
    """A broker whose producer is idempotent with ``acks=all`` and whose spans join the caller's trace."""
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider)],
        allow_auto_create_topics=False,
        logger=None,
    )


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    partitions: int
    event_types: tuple[str, ...]


@dataclass(frozen=True)
class ConsumerGroupSpec:
    name: str
    service: str
    subscribes: tuple[str, ...]
    dead_letter_topic: str


@dataclass(frozen=True)
class TopicCatalogue:
    topics: dict[str, TopicSpec]
    consumer_groups: dict[str, ConsumerGroupSpec]

    @classmethod
    def load(cls, path: Path) -> TopicCatalogue:
        raw: dict[str, Any] = yaml.safe_load(path.read_text())
        topics = {
            name: TopicSpec(
                name=name,
                owner=spec["owner"],
                partitions=int(spec.get("partitions", 12)),
                event_types=tuple(spec.get("event_types", [])),
            )
            for name, spec in raw["topics"].items()
        }
        groups = {
            name: ConsumerGroupSpec(
                name=name,
                service=spec["service"],
                subscribes=tuple(spec["subscribes"]),
                dead_letter_topic=spec["dead_letter_topic"],
            )
            for name, spec in raw["consumer_groups"].items()
        }
        return cls(topics, groups)

    def topic_for(self, event_type: str) -> str:
        for topic in self.topics.values():
            if event_type in topic.event_types:
                return topic.name
        raise KeyError(f"event type {event_type} is in no topic of the catalogue")

    def all_topic_names(self) -> dict[str, int]:
        names = {t.name: t.partitions for t in self.topics.values()}
        for group in self.consumer_groups.values():
            names.setdefault(group.dead_letter_topic, 1)
        return names


def catalogue_path(root: Path | None = None) -> Path:
    from relais_shared.settings import project_root

    return (root or project_root()) / "contracts" / "topics.yaml"


async def ensure_topics(
    bootstrap: str, catalogue: TopicCatalogue, partitions: int | None = None
) -> list[str]:
    """Create the catalogue's topics (and dead-letter topics) that do not exist yet; returns those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, num_partitions=partitions or count if count > 1 else 1, replication_factor=1)
            for name, count in catalogue.all_topic_names().items()
            if name not in existing
        ]
        if wanted:
            await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def read_topic(bootstrap: str, topic: str, timeout_s: float = 10.0) -> list[Any]:
    """Every record currently in ``topic``, from the start of each partition to its end (no group)."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + timeout_s
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout_s}s")
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()
