"""The demo catalogue loads through the service's handlers, once: tens of offers, sessions over a year in
the metropolis' communes, some full, the past ones finished."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from relais_shared.migrations import upgrade_head
from relais_training.demo import load_demo_data
from relais_training.settings import TrainingSettings

pytestmark = pytest.mark.integration
SERVICE_DIR = Path(__file__).resolve().parents[2]


async def test_the_demo_catalogue_spans_a_year_has_full_and_finished_sessions_and_loads_once(
    scratch_database: str,
) -> None:
    await asyncio.to_thread(upgrade_head, SERVICE_DIR, scratch_database)
    settings = TrainingSettings(database_url=scratch_database)
    assert await load_demo_data(settings) > 300
    assert await load_demo_data(settings) == 0
    conn = await asyncpg.connect(scratch_database.replace("postgresql+asyncpg", "postgresql"))
    try:
        offers = await conn.fetchval("SELECT count(DISTINCT kind) * 1000 + count(*) FROM offers")
        states = {
            r["state"]: r["n"] for r in await conn.fetch("SELECT state, count(*) n FROM sessions GROUP BY 1")
        }
        first, last = await conn.fetchrow("SELECT min(starts_on), max(starts_on) FROM sessions")
        communes = await conn.fetchval("SELECT count(DISTINCT code_insee) FROM sessions")
        overbooked = await conn.fetchval(
            "SELECT count(*) FROM sessions WHERE state = 'full' AND EXISTS"
            " (SELECT 1 FROM enrolments e WHERE e.session_id = sessions.id AND e.status = 'waitlisted')"
        )
    finally:
        await conn.close()
    assert offers // 1000 == 6 and offers % 1000 >= 30  # every kind, tens of offers
    assert (last - first).days > 300 and communes >= 8
    assert states.get("finished", 0) >= 20 and overbooked > 5 and states.get("open", 0) > 50
