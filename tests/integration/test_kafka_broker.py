"""The real single-node Kafka broker (KRaft) started by the local stack."""

import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from relais_dev.stack import Stack
from relais_shared.outbox import idempotent_producer

pytestmark = pytest.mark.integration


async def test_a_message_produced_with_acks_all_is_consumed_through_the_real_broker(
    stack: Stack, scratch_topics: list[str]
) -> None:
    topic = scratch_topics[0]
    payload = f"bonjour {uuid.uuid4()}".encode()
    producer = idempotent_producer(stack.kafka_bootstrap, "test-roundtrip")
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, payload, key=b"aggregate-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=f"test-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert record.value == payload
    assert record.key == b"aggregate-1"
    assert (record.partition, record.offset) == (metadata.partition, metadata.offset)
