"""The Alembic migrations build exactly the schema the models describe (no drift either way)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from relais_dev.stack import Stack
from relais_referral.db.models import Base
from relais_referral.settings import ReferralSettings
from relais_shared.db import make_engine

pytestmark = pytest.mark.integration


async def test_the_migrated_database_matches_the_models(stack: Stack) -> None:
    engine = make_engine(ReferralSettings().database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            drift = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert drift == []
