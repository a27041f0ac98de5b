"""The store rebuilt from the real broker, from scratch, gives the same indicators as the live consumer.

The synthetic quarter is published on the real topics (keyed as its producers key them); the real
``evaluation-consumer`` reads it (with every other event already on those topics) into a scratch
database under a consumer group of its own; the indicators are read; then ``evaluation-rebuild``
empties the store, resets the group's offsets and replays: every indicator is the same again.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from sqlalchemy import text

from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, eventually
from relais_evaluation.adapters.db.models import FACT_TABLES
from relais_evaluation.adapters.events.consumer import INGESTED_TOPICS
from relais_shared.auth import DevIssuer

from .conftest import PACT_KEY, Store, api_for
from .synthetic_pact import envelopes, topic_of

pytestmark = pytest.mark.integration

QUERIES: list[dict[str, Any]] = [
    {"name": "referral_funnel", "group_by": ["organisation_pair"]},
    {"name": "referral_funnel", "group_by": ["month", "age_band"]},
    {"name": "returns_to_sender", "group_by": ["return_reason"]},
    {"name": "unaccompanied", "group_by": ["sex"]},
    {"name": "unaccompanied_over_time"},
    {"name": "orientation_delays", "group_by": ["territory"]},
    {"name": "training", "group_by": ["organisation"]},
    {"name": "clause_hours", "group_by": ["buyer"]},
    {"name": "exits", "group_by": ["organisation"], "horizon": 3, "as_of": "2027-12-31"},
]


async def publish(bootstrap: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for key, envelope in envelopes():
            await producer.send_and_wait(
                topic_of(envelope.type), envelope.model_dump_json().encode(), key=key.encode()
            )
    finally:
        await producer.stop()


async def caught_up(bootstrap: str, group: str) -> bool:
    """Whether the group has committed every partition of the ingested topics to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        await consumer._client.force_metadata_update()  # else no topic seems to have a partition
        partitions = [
            TopicPartition(t, p) for t in INGESTED_TOPICS for p in consumer.partitions_for_topic(t) or []
        ]
        assert partitions
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
        return all(
            ends[tp] == 0 or (tp in committed and committed[tp].offset >= ends[tp]) for tp in partitions
        )
    finally:
        await admin.close()
        await consumer.stop()


async def indicators(store: Store, issuer: DevIssuer) -> list[Any]:
    async with api_for(store, issuer, small_cell_threshold=1) as api:
        answers = []
        for query in QUERIES:
            params = {
                "from": "2027-01-01",
                "to": "2027-03-31",
                **{k: v for k, v in query.items() if k != "name"},
            }
            response = await api.get(f"/v1/indicators/{query['name']}", **params)
            assert response.status_code == 200, response.text
            answers.append(response.json())
        return answers


async def row_counts(store: Store) -> dict[str, int]:
    async with store.sessions() as session:
        return {
            t.name: int(await session.scalar(text(f"SELECT count(*) FROM {t.name}")) or 0)  # noqa: S608
            for t in FACT_TABLES
        }


def rebuild(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "evaluation-rebuild"
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=240, check=False)


async def test_dropping_the_store_and_rebuilding_from_kafka_gives_identical_indicators(
    stack: Stack, store: Store, issuer: DevIssuer, tmp_path: Path
) -> None:
    group = f"evaluation-ingestion-test-{uuid.uuid4().hex[:8]}"
    env = {
        "RELAIS_EVALUATION_DATABASE_URL": store.url,
        "RELAIS_EVALUATION_INGESTION_GROUP": group,
        "RELAIS_PACT_KEY": PACT_KEY,
    }
    await publish(stack.kafka_bootstrap)
    procs = ServiceProcesses("evaluation", stack, tmp_path, env)
    procs.start("consumer")
    try:
        await eventually(
            lambda: caught_up(stack.kafka_bootstrap, group),
            "the consumer read every topic",
            120,
            retry_on=(KafkaError,),
        )
        live = await indicators(store, issuer)
        live_rows = await row_counts(store)
        total = next(r for r in live[0]["rows"] if r["dimensions"] == {"organisation_pair": None})
        assert total["values"]["submitted"]["value"] >= 7  # the synthetic quarter's, at least
        refused = await asyncio.to_thread(rebuild, {**os.environ, **stack.env(), **env})
        assert refused.returncode == 2, refused.stderr  # the consumer is still a member of the group
    finally:
        procs.stop_all()
    await eventually(
        lambda: _group_empty(stack.kafka_bootstrap, group),
        "the consumer left its group",
        60,
        retry_on=(KafkaError,),
    )

    done = await asyncio.to_thread(rebuild, {**os.environ, **stack.env(), **env})
    assert done.returncode == 0, done.stderr + done.stdout
    assert await row_counts(store) == live_rows
    assert await indicators(store, issuer) == live


async def _group_empty(bootstrap: str, group: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    return all(not entry[5] for response in described for entry in response.groups)
