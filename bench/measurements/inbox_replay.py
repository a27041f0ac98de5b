"""The inbox projection (a Kafka consumer of Relais) replaying a backlog of referral events.

The backlog is made of ``referral.submitted.v1`` events built from the published contract and
written to a bench topic; the projection runs as its own process (same code as ``referral-consumer``)
with a fresh consumer group on a scratch database, and progress is read from the group's committed
offsets. Each repeat is bounded in time: when the backlog is not done by then, the rate counts what was.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from bench.core import BenchContext, Figure, Target
from bench.kafka_util import LagProbe
from bench.procs import Processes, RssSampler
from bench.profiling import record
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database, scratch_topic
from relais_referral.events.contracts import ReferralSubmittedV1
from relais_shared.envelope import wrap


def backlog_events(
    count: int, receivers: int = 50
) -> tuple[list[tuple[bytes, bytes]], list[tuple[Any, ...]]]:
    """The events, and the referral rows they stand for (the projection reads the referral's state)."""
    rng = random.Random(7)
    orgs = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(receivers)]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    events = []
    rows: list[tuple[Any, ...]] = []
    for i in range(count):
        referral_id = uuid.UUID(int=rng.getrandbits(128))
        submitted = start + timedelta(seconds=i * 30)
        data = ReferralSubmittedV1(
            referral_id=referral_id,
            jobseeker_id=JOBSEEKER,
            sender_org_id=rng.choice(orgs),
            receiver_org_id=rng.choice(orgs),
            submitted_at=submitted,
            acknowledgement_due=date.fromordinal(submitted.date().toordinal() + 7),
            receiver_departement="44",
            age_band="26_49",
            qpv_resident=False,
        )
        envelope = wrap(data)
        events.append((str(referral_id).encode(), envelope.model_dump_json().encode()))
        rows.append(
            (
                referral_id,
                JOBSEEKER,
                data.sender_org_id,
                data.receiver_org_id,
                "submitted",
                submitted,
                data.acknowledgement_due,
                "bench",
                "bench",
            )
        )
    return events, rows


JOBSEEKER = uuid.UUID(int=1)


async def insert_referrals(url: str, rows: list[tuple[Any, ...]]) -> None:
    """The referrals of the backlog in the scratch database, as the referral service would hold them."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        orgs = {row[2] for row in rows} | {row[3] for row in rows}
        await conn.executemany(
            "INSERT INTO organisations (id, name, kind, departement) VALUES ($1, 'Bench', 'plie', '44')",
            [(org,) for org in orgs],
        )
        await conn.execute(
            "INSERT INTO jobseekers (id, first_name, last_name, postcode, referent_org_id, created_by) "
            "VALUES ($1, 'B', 'B', '44000', $2, 'bench')",
            JOBSEEKER,
            next(iter(orgs)),
        )
        await conn.copy_records_to_table(
            "referrals",
            records=rows,
            columns=[
                "id",
                "jobseeker_id",
                "sender_org_id",
                "receiver_org_id",
                "status",
                "submitted_at",
                "acknowledgement_due",
                "motive",
                "submitted_by",
            ],
        )
    finally:
        await conn.close()


async def produce_backlog(bootstrap: str, topic: str, events: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    try:
        pending = []
        for key, value in events:
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


@measurement("referral.inbox_replay", kind="relais", order=20)
async def inbox_replay(ctx: BenchContext) -> list[Figure]:
    """Inbox projection consumer replaying a backlog of referral.submitted.v1 events."""
    count = ctx.sizes.pick(100_000, 20_000)
    time_box = ctx.sizes.pick(10.0, 10.0)
    rates: list[float] = []
    done: list[int] = []
    peak_rss: list[float] = []
    async with scratch_database(ctx, "replay") as url, scratch_topic(ctx, "replay") as topic:
        events, rows = await asyncio.to_thread(backlog_events, count)
        await produce_backlog(ctx.stack.kafka_bootstrap, topic, events)
        await insert_referrals(url, rows)
        del events, rows
        for i in range(ctx.repeats(2)):
            conn = await asyncpg.connect(asyncpg_dsn(url))
            await conn.execute("TRUNCATE inbox_entries, processed_events")
            await conn.close()
            group = f"bench-inbox-replay-{ctx.run_id}-{i}"
            with Processes(ctx.work_dir) as procs:
                proc = procs.start_module(
                    f"inbox-replay-{i}",
                    "bench.inbox_projection",
                    ctx.service_env(RELAIS_REFERRAL_DATABASE_URL=url),
                    "--topic",
                    topic,
                    "--group",
                    group,
                )
                async with (
                    RssSampler({"consumer": proc.pid}) as sampler,
                    LagProbe(ctx.stack.kafka_bootstrap, group, topic) as probe,
                ):
                    # The clock starts at the first committed offset: process start-up and the group
                    # join are not replay time.
                    first: tuple[float, int] | None = None
                    last: tuple[float, int] = (time.perf_counter(), 0)
                    deadline = time.perf_counter() + 60 + time_box
                    while time.perf_counter() < deadline:
                        procs.check_alive()
                        lag = await probe.lag()
                        now = time.perf_counter()
                        processed = count - lag
                        if first is None and processed > 0:
                            first = (now, processed)
                            deadline = now + time_box
                            if ctx.profile and i == 0:
                                await record({"inbox-replay": proc.pid}, min(time_box, 15), ctx.work_dir)
                        last = (now, processed)
                        if lag == 0:
                            break
                        await asyncio.sleep(0.1)
                peak_rss.append(sampler.peak["consumer"])
            if first is None or last[0] <= first[0]:
                rates.append(0.0)
            else:
                rates.append((last[1] - first[1]) / (last[0] - first[0]))
            done.append(last[1])
    return [
        Figure(
            "referral.inbox_replay.rate",
            "Inbox projection replaying a backlog of referral.submitted.v1 events",
            "events/s",
            rates,
            ceiling="ceiling.kafka.consume",
            target=Target("≥ 30 % of the Kafka consume ceiling", min_ratio=0.3),
            notes=f"backlog of {count:,} events on 12 partitions; each repeat stops after {time_box:.0f} s; "
            f"events projected per repeat: {', '.join(f'{d:,}' for d in done)}",
            extra={"projected": done},
        ),
        Figure(
            "rss.inbox_replay.load",
            "Resident memory of the inbox projection while replaying, peak",
            "MB",
            peak_rss,
            better="lower",
        ),
    ]
