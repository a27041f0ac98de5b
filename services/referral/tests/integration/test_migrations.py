"""The Alembic migrations build exactly the schema the models describe (no drift either way)."""

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from relais_dev.stack import Stack
from relais_referral.db.models import Base
from relais_referral.settings import ReferralSettings
from relais_shared.db import make_engine
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration
SERVICE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["the stack's database", "a fresh database"])
async def migrated(request: pytest.FixtureRequest, stack: Stack, scratch_database: str) -> str:
    """The stack's database (migrated along its history) and one migrated from nothing just now."""
    if request.param == "a fresh database":
        await asyncio.to_thread(upgrade_head, SERVICE_DIR, scratch_database)
        return scratch_database
    return ReferralSettings().database_url


async def test_the_migrated_database_matches_the_models(migrated: str) -> None:
    engine = make_engine(migrated, pool_size=1)
    try:
        async with engine.connect() as conn:
            drift = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert drift == []
