"""The demo pact loads through the service's own rules (what `make run` shows), on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from relais_referral.db.models import ReferralRow
from relais_referral.demo import load_demo_data
from relais_referral.settings import ReferralSettings
from relais_shared.db import make_engine, make_sessionmaker
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration
SERVICE_DIR = Path(__file__).resolve().parents[2]


async def test_the_demo_loads_people_returned_after_two_absences_recorded_once_their_meetings_passed(
    scratch_database: str,
) -> None:
    await asyncio.to_thread(upgrade_head, SERVICE_DIR, scratch_database)
    await load_demo_data(ReferralSettings(database_url=scratch_database), jobseekers=60)
    engine = make_engine(scratch_database, pool_size=1)
    async with make_sessionmaker(engine)() as session:
        returned = (
            (await session.execute(select(ReferralRow).where(ReferralRow.no_shows == 2))).scalars().all()
        )
    await engine.dispose()
    assert returned and all(r.status == "refused" and r.refusal_reason == "unreachable" for r in returned)
