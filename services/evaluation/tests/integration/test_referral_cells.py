"""The pre-aggregated referral cells and first orientations stay what the detail rows give, whatever happens:
events in any order and any batches, redelivered, persons seen again, merged or erased, a store upgraded."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from relais_evaluation.adapters.db.cells import CELL_TABLES, recount
from relais_evaluation.adapters.db.models import metadata
from relais_evaluation.manifest import MANIFEST
from relais_shared.db import make_engine, make_sessionmaker, transaction
from relais_shared.envelope import IncomingEnvelope, dataschema_for
from relais_shared.migrations import alembic_config, upgrade_head

from .conftest import Store
from .synthetic_pact import PEOPLE, envelopes

pytestmark = pytest.mark.integration
Snapshot = dict[str, Counter[tuple[Any, ...]]]


async def kept(sessions: Any) -> Snapshot:
    """Every cell and every person's first orientation, as stored."""
    out: Snapshot = {}
    async with sessions() as session:
        for cells in CELL_TABLES:
            rows = await session.execute(text(f"SELECT * FROM {cells.table}"))  # noqa: S608
            out[cells.table] = Counter(tuple(row) for row in rows)
        rows = await session.execute(
            text("SELECT person_id, first_submitted_at, first_accepted_at, first_seen_at FROM people")
        )
        out["people"] = Counter(tuple(row) for row in rows)
    return out


async def counted_again(sessions: Any) -> Snapshot:
    """The same, computed from the detail rows alone."""
    async with transaction(sessions) as session:
        await recount(session)
    return await kept(sessions)


def merged(kept: str, duplicate: str) -> IncomingEnvelope:
    return IncomingEnvelope(
        id=uuid.uuid4(),
        type="jobseeker.merged.v1",
        source="referral",
        subject=str(PEOPLE[kept]),
        time=datetime(2027, 3, 2, 9, tzinfo=UTC),
        dataschema=dataschema_for("jobseeker.merged.v1"),
        data={"jobseeker_id": str(PEOPLE[kept]), "duplicate_id": str(PEOPLE[duplicate])},
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_kept_cells_equal_the_cells_counted_from_the_detail_rows_whatever_the_order_and_batches(
    store: Store, seed: int
) -> None:
    rng = random.Random(seed)
    # The quarter's events (people seen again with more attributes after their referrals, an erasure),
    # with two persons merged (F's referral becomes B's): shuffled, cut into batches of 1 to 8.
    events = [e for _, e in envelopes()] + [merged("B", "F")]
    rng.shuffle(events)
    batches = []
    while events:
        size = rng.randint(1, 8)
        batches.append(events[:size])
        events = events[size:]
    for batch in batches:
        await store.ingest(batch)
    for batch in rng.sample(batches, 3):  # redelivered (the handler itself, without the claims)
        await store.ingest(batch)

    live = await kept(store.sessions)
    assert sum(live["referral_cells"].values()) >= 5
    assert sum(live["return_cells"].values()) >= 2
    assert await counted_again(store.sessions) == live


async def test_a_referral_moves_to_the_cell_of_its_persons_latest_attributes(store: Store) -> None:
    first = [e for _, e in envelopes() if e.type == "referral.submitted.v1"]
    await store.ingest(first)
    before = await kept(store.sessions)
    assert all(row[6] is None for row in before["referral_cells"])  # sex: not known yet
    await store.ingest([e for _, e in envelopes() if e.type == "jobseeker.need_identified.v1"])
    after = await kept(store.sessions)
    assert {row[6] for row in after["referral_cells"]} >= {"F", "M"}
    assert all(row[12] > 0 for row in after["referral_cells"])  # no cell left counting nobody
    assert await counted_again(store.sessions) == after


async def upgraded_store(url: str) -> None:
    """A store at the revision before the cells, with referrals, then upgraded."""
    config = alembic_config(MANIFEST.service_dir, url)
    await asyncio.to_thread(command.upgrade, config, "e0002")
    engine = make_engine(url, pool_size=1)
    try:
        async with transaction(make_sessionmaker(engine)) as session:
            await session.execute(
                text(
                    "INSERT INTO people (person_id, subject_key, sex) SELECT md5('p' || i)::uuid, "
                    "md5('s' || i), (ARRAY['F', 'M'])[1 + i % 2] FROM generate_series(1, 20) i"
                )
            )
            await session.execute(
                text(
                    "INSERT INTO referrals (referral_id, person_id, sender_org_id, receiver_org_id, "
                    "departement, submitted_at, acknowledgement_due, acknowledged_at, accepted_at, "
                    "returned_at, return_status, reason_code) "
                    "SELECT md5('r' || i)::uuid, md5('p' || (1 + i % 20))::uuid, md5('o' || i % 3)::uuid, "
                    "md5('o' || (1 + i % 3))::uuid, '44', timestamptz '2027-01-01 10:00+01' + i * "
                    "interval '9 hours', date '2027-01-08', timestamptz '2027-01-02 10:00+01' + i * "
                    "interval '9 hours', CASE WHEN i % 3 = 0 THEN timestamptz '2027-02-01 10:00+01' END, "
                    "CASE WHEN i % 3 = 1 THEN timestamptz '2027-02-01 10:00+01' + i * interval '1 hour' END, "
                    "CASE WHEN i % 3 = 1 THEN 'refused' END, CASE WHEN i % 6 = 1 THEN 'no_capacity' END "
                    "FROM generate_series(1, 60) i"
                )
            )
    finally:
        await engine.dispose()
    await asyncio.to_thread(upgrade_head, MANIFEST.service_dir, url)


async def test_upgrading_a_store_counts_the_cells_of_the_referrals_it_already_had(
    scratch_database: str,
) -> None:
    await upgraded_store(scratch_database)
    engine = make_engine(scratch_database, pool_size=1)
    try:
        sessions = make_sessionmaker(engine)
        upgraded = await kept(sessions)
        assert sum(row[12] for row in upgraded["referral_cells"]) == 60
        assert sum(row[13] for row in upgraded["return_cells"]) == 20
        assert await counted_again(sessions) == upgraded
    finally:
        await engine.dispose()


@pytest.mark.parametrize("path", ["from nothing", "upgraded from e0002 with referrals"])
async def test_the_migrated_store_matches_the_models(scratch_database: str, path: str) -> None:
    if path == "from nothing":
        await asyncio.to_thread(upgrade_head, MANIFEST.service_dir, scratch_database)
    else:
        await upgraded_store(scratch_database)
    engine = make_engine(scratch_database, pool_size=1)
    try:
        async with engine.connect() as conn:
            drift = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert drift == []
