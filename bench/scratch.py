"""Scratch resources of the bench: its own databases and topics, created for a run and removed after it.

The bench never writes into a service's normal database: each measurement that needs referral
tables gets a fresh database migrated with the referral service's own Alembic migrations.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.core import BenchContext
from relais_dev.stack import repo_root
from relais_shared.migrations import upgrade_head

REFERRAL_SERVICE_DIR = Path("services/referral")


@contextlib.asynccontextmanager
async def scratch_database(
    ctx: BenchContext, purpose: str, *, migrate: bool = True, service_dir: Path = REFERRAL_SERVICE_DIR
) -> AsyncIterator[str]:
    """A new database named after the run and the purpose, migrated with ``service_dir``'s migrations
    (the referral service's by default); yields its SQLAlchemy URL; dropped after."""
    name = f"relais_bench_{purpose}_{ctx.run_id}"
    admin = await asyncpg.connect(ctx.admin_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = ctx.sqlalchemy_url(name)
    try:
        if migrate:
            # Alembic's env runs its own event loop: keep it off ours.
            await asyncio.to_thread(upgrade_head, repo_root() / service_dir, url)
        yield url
    finally:
        admin = await asyncpg.connect(ctx.admin_dsn())
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def scratch_topic(ctx: BenchContext, purpose: str, partitions: int = 12) -> AsyncIterator[str]:
    name = f"relais.bench.{ctx.run_id}.{purpose}"
    admin = AIOKafkaAdminClient(bootstrap_servers=ctx.stack.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        yield name
    finally:
        with contextlib.suppress(Exception):
            await admin.delete_topics([name])
        await admin.close()


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
