"""Fixtures shared by every test suite: the local stack, tokens, scratch databases and topics."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from hypothesis import settings
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from relais_dev.stack import Stack
from relais_shared.auth import DevIssuer, dev_issuer_dir

# Property tests: 300 examples each in `make test` (CI), 50 in `make test-unit`, the quick loop of a
# developer at work (RELAIS_HYPOTHESIS=quick), so that it stays under half a minute.
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.register_profile("quick", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("RELAIS_HYPOTHESIS", "thorough"))


@pytest.fixture(scope="session")
def stack() -> Stack:
    """The real local stack; integration tests fail (never skip) when it is not up."""
    stack = Stack()
    status = stack.status()
    if not all(status.values()):
        pytest.fail(f"the local stack is not up ({status}); run the tests with `make test`")
    for key, value in stack.env().items():
        os.environ.setdefault(key, value)
    return stack


@pytest.fixture(scope="session")
def issuer() -> DevIssuer:
    return DevIssuer(dev_issuer_dir(None))


@pytest.fixture
async def scratch_database(stack: Stack) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database on the real server, dropped after the test."""
    name = f"relais_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = stack.admin_dsn()
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield stack.postgres_url(name)
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture
async def scratch_topics(stack: Stack) -> AsyncIterator[list[str]]:
    """Three new topics (main, dead letters, spare) on the real broker."""
    suffix = uuid.uuid4().hex[:8]
    names = [f"relais.test.{suffix}.events", f"relais.test.{suffix}.dlq", f"relais.test.{suffix}.spare"]
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(n, num_partitions=3, replication_factor=1) for n in names])
    yield names
    await admin.delete_topics(names)
    await admin.close()


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (workflow tests), with the services' pydantic converter."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(Path(sys.prefix) / "bin" / "temporal-test-server"),
    )
    yield environment
    await environment.shutdown()
