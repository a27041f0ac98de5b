"""Kafka helpers of the bench: how far behind a consumer group is."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


async def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """Messages of ``topic`` not yet committed by ``group`` (a group that never committed lags by all)."""
    async with LagProbe(bootstrap, group, topic) as probe:
        return await probe.lag()


class LagProbe:
    """The lag of one group on a topic, against the topic's end when the probe opened (cheap to poll)."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.group = group
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.topic = topic
        self.ends: dict[TopicPartition, int] = {}

    async def __aenter__(self) -> LagProbe:
        await self.admin.start()
        await self.consumer.start()
        await self.consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(self.topic, p)
            for p in sorted(self.consumer.partitions_for_topic(self.topic) or [])
        ]
        self.ends = await self.consumer.end_offsets(partitions)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def lag(self) -> int:
        try:
            committed = await self.admin.list_consumer_group_offsets(self.group)
        except KafkaError:
            # A fresh broker makes its offsets topic, and so its group coordinator, at the first group's
            # join: until then nobody has committed anything.
            return sum(self.ends.values())
        lag = 0
        for tp, end in self.ends.items():
            meta = committed.get(tp)
            lag += max(0, end - (meta.offset if meta is not None and meta.offset >= 0 else 0))
        return lag


async def wait_caught_up(bootstrap: str, groups: tuple[str, ...], topic: str, timeout: float) -> int:
    """Waits until every group committed the end of ``topic``; returns the lag left (0 when caught up)."""
    deadline = asyncio.get_running_loop().time() + timeout
    lag = 0
    while asyncio.get_running_loop().time() < deadline:
        lag = sum([await group_lag(bootstrap, g, topic) for g in groups])
        if lag == 0:
            return 0
        await asyncio.sleep(1.0)
    return lag
