"""Raw Kafka ceiling: aiokafka produce (acks=all, idempotent) and consume of 1 KB messages."""

from __future__ import annotations

import asyncio
import os
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.core import BenchContext, Figure
from bench.registry import measurement
from bench.scratch import scratch_topic

MESSAGE = os.urandom(512).hex().encode()  # 1 KB, incompressible


async def produce(bootstrap: str, topic: str, count: int) -> float:
    """Messages per second, pipelined sends as an outbox relay would do them, all acknowledged."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    try:
        began = time.perf_counter()
        pending = []
        for i in range(count):
            pending.append(await producer.send(topic, MESSAGE, key=str(i % 1000).encode()))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return count / (time.perf_counter() - began)
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, count: int) -> float:
    """Messages per second read from the start of every partition until ``count`` were seen."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen = 0
        began = time.perf_counter()
        deadline = began + 120
        while seen < count and time.perf_counter() < deadline:
            for records in (await consumer.getmany(timeout_ms=500, max_records=10_000)).values():
                seen += len(records)
        return seen / (time.perf_counter() - began)
    finally:
        await consumer.stop()


@measurement("kafka.ceiling", kind="ceiling", order=10)
async def kafka_ceiling(ctx: BenchContext) -> list[Figure]:
    """aiokafka produce and consume rates of 1 KB messages on the local broker."""
    count = ctx.sizes.pick(50_000, 5_000)
    produced: list[float] = []
    consumed: list[float] = []
    for i in range(ctx.repeats()):
        async with scratch_topic(ctx, f"kafka-ceiling-{i}") as topic:
            produced.append(await produce(ctx.stack.kafka_bootstrap, topic, count))
            consumed.append(await consume(ctx.stack.kafka_bootstrap, topic, count))
    return [
        Figure(
            "ceiling.kafka.produce",
            "aiokafka produce, 1 KB, acks=all, idempotent, 12 partitions",
            "msg/s",
            produced,
            notes=f"{count:,} messages per repeat, pipelined sends (linger 5 ms)",
        ),
        Figure(
            "ceiling.kafka.consume",
            "aiokafka consume, 1 KB, from the start of 12 partitions",
            "msg/s",
            consumed,
            notes=f"{count:,} messages per repeat, getmany(max_records=10000), no group",
        ),
    ]
