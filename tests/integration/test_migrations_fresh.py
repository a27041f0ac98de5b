"""Every service's migrations build its database from nothing: its own tables and, from the shared
infrastructure branch, the outbox, processed-events, idempotency and audit tables."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from relais_shared.manifest import load_manifests
from relais_shared.migrations import upgrade_head
from relais_shared.outbox import asyncpg_dsn

pytestmark = pytest.mark.integration
INFRASTRUCTURE = {"outbox", "processed_events", "idempotency_keys", "audit_log"}


@pytest.mark.parametrize("service", [n for n, m in load_manifests().items() if m.has_database])
async def test_a_fresh_database_gets_the_infrastructure_tables_and_the_service_tables(
    service: str, scratch_database: str
) -> None:
    manifest = load_manifests()[service]
    await asyncio.to_thread(upgrade_head, manifest.service_dir, scratch_database)
    await asyncio.to_thread(upgrade_head, manifest.service_dir, scratch_database)  # and again: a no-op
    conn = await asyncpg.connect(asyncpg_dsn(scratch_database))
    try:
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        versions = {r["version_num"] for r in await conn.fetch("SELECT version_num FROM alembic_version")}
    finally:
        await conn.close()
    assert tables >= INFRASTRUCTURE | {"alembic_version"}
    assert "infra_0001" not in versions  # the service's head depends on it: one head recorded
