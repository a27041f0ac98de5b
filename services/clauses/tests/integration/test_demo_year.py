"""The demo year loads through the service's handlers, once, with every mode of execution."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from relais_clauses.demo import BUYERS, CONTRACTORS, load_demo_data, party_id
from relais_clauses.settings import ClausesSettings
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration
SERVICE_DIR = Path(__file__).resolve().parents[2]


async def test_the_demo_year_has_every_mode_hours_declared_and_loads_once(scratch_database: str) -> None:
    await asyncio.to_thread(upgrade_head, SERVICE_DIR, scratch_database)
    settings = ClausesSettings(database_url=scratch_database)
    assert await load_demo_data(settings) == 28 + 300
    assert await load_demo_data(settings) == 0
    conn = await asyncpg.connect(scratch_database.replace("postgresql+asyncpg", "postgresql"))
    try:
        modes = {r["mode"] for r in await conn.fetch("SELECT DISTINCT mode FROM work_contracts")}
        declared = await conn.fetchval("SELECT count(*) FROM hour_declarations")
        pooled = await conn.fetchval("SELECT count(*) FROM operations WHERE pooling_group IS NOT NULL")
        # Each buyer and contractor holds contracts under the id the directory's demo gives it (sign-in).
        buyers = {r[0] for r in await conn.fetch("SELECT DISTINCT buyer_org_id FROM operations")}
        contractors = {r[0] for r in await conn.fetch("SELECT DISTINCT contractor_org_id FROM contracts")}
    finally:
        await conn.close()
    assert modes == {"direct_hire", "staff_provision", "siae_subcontracting", "training"}
    assert declared > 1000 and pooled == 2
    assert buyers == {party_id(name) for name in BUYERS}
    assert contractors <= {party_id(name) for name in CONTRACTORS} and len(contractors) > 6
