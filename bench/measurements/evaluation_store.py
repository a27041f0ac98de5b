# ruff: noqa: E501 - the generating SQL and the events read best one row to a line
"""The evaluation store: ingestion of a backlog, its rebuild from Kafka, indicator queries at scale.

- **Ingestion**: a backlog of referral events (submitted, acknowledged, accepted or refused: what the
  funnel reads) on a bench topic, read by the real ingestion (``bench.evaluation_ingestion``, the code
  of ``evaluation-consumer``) into a scratch database, beside the raw aiokafka consume ceiling and
  beside the store's own ceiling (the same claims and writes on PostgreSQL, the facts mapped beforehand).
- **Rebuild**: ``evaluation-rebuild``'s code on that backlog (empty the store, reset, replay to the end).
- **Indicators**: the API in process over a store of N referrals (generated in SQL: 50 organisations,
  a year, one person per two referrals), each query shape of the coordinators' dashboard timed in turn.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text

from bench.core import BenchContext, Figure, Target, percentile
from bench.kafka_util import LagProbe
from bench.measurements.inbox_replay import produce_backlog
from bench.procs import Processes, RssSampler
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database, scratch_topic
from relais_evaluation.adapters.db.cells import recount
from relais_evaluation.adapters.db.models import infra
from relais_evaluation.adapters.db.store import FactStore
from relais_evaluation.adapters.events.contracts import CONTRACTS
from relais_evaluation.adapters.events.mapping import facts_of
from relais_evaluation.adapters.events.replay import rebuild
from relais_evaluation.service_layer.ingestion import ingest
from relais_shared.auth import DevIssuer, dev_issuer_dir
from relais_shared.consumer import claim_events, validate_contract
from relais_shared.db import make_engine, make_sessionmaker, transaction
from relais_shared.envelope import IncomingEnvelope, checked_data, dataschema_for
from relais_shared.runners import settle_garbage_collector

EVALUATION = Path("services/evaluation")
PACT_KEY = "bench-pact-key"
COORDINATION = uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44")


def backlog(count: int) -> list[tuple[bytes, bytes]]:
    """``count`` events: referrals sent, acknowledged, then accepted or refused (3 events each)."""
    import json

    rng = random.Random(15)
    orgs = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(50)]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    events: list[tuple[bytes, bytes]] = []

    def add(kind: str, key: str, at: datetime, data: dict[str, Any]) -> None:
        event_type = f"{kind}.v1"
        envelope = {
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "type": event_type,
            "source": "referral",
            "subject": key,
            "time": at.isoformat(),
            "dataschema": dataschema_for(event_type),
            "data": data,
        }
        events.append((key.encode(), json.dumps(envelope).encode()))

    for i in range(count // 3):
        referral, person = str(uuid.UUID(int=rng.getrandbits(128))), str(uuid.UUID(int=rng.getrandbits(128)))
        sender, receiver = rng.sample(orgs, 2)
        at = start + timedelta(seconds=i * 20)
        add(
            "referral.submitted",
            referral,
            at,
            {
                "referral_id": referral, "jobseeker_id": person, "sender_org_id": sender, "receiver_org_id": receiver,
                "submitted_at": at.isoformat(), "acknowledgement_due": (at + timedelta(days=7)).date().isoformat(),
                "receiver_departement": "44", "age_band": rng.choice(["under_26", "26_49", "50_plus"]),
                "qpv_resident": rng.random() < 0.3,
            },
        )  # fmt: skip
        ack = at + timedelta(days=rng.randint(0, 9))
        add("referral.acknowledged", referral, ack, {"referral_id": referral, "receiver_org_id": receiver, "acknowledged_at": ack.isoformat()})  # fmt: skip
        end = ack + timedelta(days=rng.randint(1, 20))
        common = {
            "referral_id": referral,
            "jobseeker_id": person,
            "sender_org_id": sender,
            "receiver_org_id": receiver,
        }
        if rng.random() < 0.7:
            add("referral.accepted", referral, end, {**common, "accepted_at": end.isoformat()})
        else:
            add(
                "referral.returned_to_sender",
                referral,
                end,
                {
                    **common, "status": "refused", "reason_code": rng.choice(["no_capacity", "not_eligible", "unreachable"]),
                    "reason_shared_with_jobseeker": False, "reorient_due": end.date().isoformat(), "returned_at": end.isoformat(),
                },
            )  # fmt: skip
    return events


async def _count(url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM referrals"))
    finally:
        await conn.close()


async def ingestion_and_rebuild(ctx: BenchContext, count: int, time_box: float) -> tuple[list[Figure], str]:
    rates: list[float] = []
    late_rates: list[float] = []
    rebuild_seconds: list[float] = []
    peak_rss: list[float] = []
    done: list[int] = []
    async with (
        scratch_database(ctx, "evaluation", service_dir=EVALUATION) as url,
        scratch_topic(ctx, "evaluation") as topic,
    ):
        events = await asyncio.to_thread(backlog, count)
        settle_garbage_collector()  # as the consumer does once started (the backlog's million tuples too)
        own_code = await asyncio.to_thread(_own_code_rate, [value for _, value in events[:60_000]])
        store_rate, store_events = await _store_ceiling(ctx, [value for _, value in events[:300_000]])
        await produce_backlog(ctx.stack.kafka_bootstrap, topic, events)
        count = len(events)
        del events
        group = f"bench-evaluation-{ctx.run_id}"
        env = ctx.service_env(RELAIS_EVALUATION_DATABASE_URL=url, RELAIS_PACT_KEY=PACT_KEY)
        with Processes(ctx.work_dir) as procs:
            proc = procs.start_module(
                "evaluation-ingestion", "bench.evaluation_ingestion", env, "--topic", topic, "--group", group
            )
            async with (
                RssSampler({"consumer": proc.pid}) as sampler,
                LagProbe(ctx.stack.kafka_bootstrap, group, topic) as probe,
            ):
                # The clock starts at the first committed offset: start-up and the group join are not ingestion.
                first: tuple[float, int] | None = None
                last = (time.perf_counter(), 0)
                samples: list[tuple[float, int]] = []
                deadline = time.perf_counter() + 60 + time_box
                while time.perf_counter() < deadline:
                    procs.check_alive()
                    lag = await probe.lag()
                    now, processed = time.perf_counter(), count - lag
                    if first is None and processed > 0:
                        first, deadline = (now, processed), now + time_box
                    last = (now, processed)
                    samples.append(last)
                    if lag == 0:
                        break
                    await asyncio.sleep(0.1)
            peak_rss.append(sampler.peak["consumer"])
        rates.append(
            0.0 if first is None or last[0] <= first[0] else (last[1] - first[1]) / (last[0] - first[0])
        )
        done.append(last[1])
        # The last third of the window, on a store already grown: a rate that falls as the store grows
        # (a statement that reads whole tables) shows here and not in the window's mean.
        if first is not None and last[0] > first[0]:
            late_from = last[0] - (last[0] - first[0]) / 3
            start = next(s for s in samples if s[0] >= late_from)
            late_rates.append((last[1] - start[1]) / max(last[0] - start[0], 1e-9))
        else:
            late_rates.append(0.0)
        engine = make_engine(url, pool_size=2)
        settle_garbage_collector()  # as the evaluation-rebuild command does
        try:
            # The consumer has left its group (stopped above): the rebuild reads the whole backlog again.
            report = await rebuild(
                make_sessionmaker(engine),
                bootstrap=ctx.stack.kafka_bootstrap,
                pact_key=PACT_KEY,
                topics=(topic,),
                group=group,
            )
            rebuild_seconds.append(report.seconds)
        finally:
            await engine.dispose()
        referrals = await _count(url)
    figures = [
        Figure(
            "evaluation.ingestion.rate",
            "Evaluation ingestion replaying a backlog of referral events",
            "events/s",
            rates,
            ceiling="ceiling.kafka.consume",
            target=Target("≥ 30 % of the Kafka consume ceiling", min_ratio=0.3),
            notes=f"backlog of {count:,} events on 12 partitions (submitted, acknowledged, accepted or refused); "
            f"stops after {time_box:.0f} s; events ingested: {', '.join(f'{d:,}' for d in done)}",
        ),
        Figure(
            "ceiling.evaluation.store",
            "The store's own ceiling: the ingestion's statements alone on PostgreSQL (facts mapped beforehand)",
            "events/s",
            [store_rate],
            notes=f"the first {store_events:,} events of the backlog, in batches of 2,000 as the consumer takes "
            "them, each batch's claims and writes in one transaction; no Kafka, no parsing",
        ),
        Figure(
            "evaluation.ingestion.rate_of_store",
            "Evaluation ingestion (the same window) beside the store's own ceiling",
            "events/s",
            rates,
            ceiling="ceiling.evaluation.store",
            notes="what Kafka, the envelopes' parsing and the consumer kernel cost on top of the writes",
        ),
        Figure(
            "evaluation.ingestion.rate_late",
            "Evaluation ingestion, the last third of the same window (the store already grown)",
            "events/s",
            late_rates,
            ceiling="ceiling.kafka.consume",
            notes="equal to the whole window's rate when no statement slows down as the store grows",
        ),
        Figure(
            "evaluation.ingestion.own_code",
            "The ingestion's own Python alone: envelope parsed, contract checked, facts mapped (no Kafka, no database)",
            "events/s",
            [own_code],
            ceiling="ceiling.kafka.consume",
            notes="60,000 events of the backlog in the bench's process, batches of 2,000 as the consumer takes them: "
            "what the consumer could reach if Kafka and PostgreSQL cost nothing",
        ),
        Figure(
            "evaluation.rebuild.seconds",
            f"Rebuild of the store from Kafka ({count:,} events: empty, reset, replay to the end)",
            "s",
            rebuild_seconds,
            better="lower",
            notes=f"{count / max(rebuild_seconds[0], 1e-9):,.0f} events/s; {referrals:,} referrals in the store after",
        ),
        Figure(
            "rss.evaluation_ingestion.load",
            "Resident memory of the ingestion while replaying, peak",
            "MB",
            peak_rss,
            better="lower",
        ),
    ]
    return figures, url


async def _store_ceiling(ctx: BenchContext, values: list[bytes]) -> tuple[float, int]:
    """Events per second through the ingestion's claims and writes alone, the facts mapped beforehand."""
    batches: list[tuple[list[uuid.UUID], list[Any]]] = []
    for start in range(0, len(values), 2000):
        envelopes = [IncomingEnvelope.model_validate_json(value) for value in values[start : start + 2000]]
        models = {e.id: validate_contract(e, CONTRACTS) for e in envelopes}
        with checked_data({k: v for k, v in models.items() if v is not None}):
            facts = [fact for e in envelopes if models[e.id] is not None for fact in facts_of(e, PACT_KEY)]
        batches.append(([e.id for e in envelopes], facts))
    async with scratch_database(ctx, "evaluation_store_ceiling", service_dir=EVALUATION) as url:
        engine = make_engine(url, pool_size=1)
        sessions = make_sessionmaker(engine)
        try:
            began = time.perf_counter()
            for ids, facts in batches:
                async with transaction(sessions) as session:
                    await claim_events(session, infra.processed_events, ids, "bench-evaluation-store")
                    await ingest(FactStore(session), facts, apply_erasures=False)
            return len(values) / (time.perf_counter() - began), len(values)
        finally:
            await engine.dispose()


def _own_code_rate(values: list[bytes]) -> float:
    """Events per second through the consumer's parse, contract check and mapping, batch by batch."""
    began = time.perf_counter()
    for start in range(0, len(values), 2000):
        models = {}
        envelopes = []
        for value in values[start : start + 2000]:
            envelope = IncomingEnvelope.model_validate_json(value)
            model = validate_contract(envelope, CONTRACTS)
            if model is not None:
                models[envelope.id] = model
                envelopes.append(envelope)
        with checked_data(models):
            for envelope in envelopes:
                facts_of(envelope, PACT_KEY)
    return len(values) / (time.perf_counter() - began)


GENERATE = """
INSERT INTO people (person_id, subject_key, sex, sex_at, age_band, age_band_at, qpv_resident, qpv_resident_at, departement, departement_at)
SELECT md5('p' || i)::uuid, md5('s' || i) || md5('t' || i), (ARRAY['F', 'M'])[1 + i % 2], now(),
       (ARRAY['under_26', '26_49', '50_plus'])[1 + i % 3], now(), (ARRAY['yes', 'no', 'no'])[1 + i % 3], now(),
       (ARRAY['44', '44', '44', '85', '49'])[1 + i % 5], now()
FROM generate_series(1, $1 / 2) AS i;
"""
GENERATE_REFERRALS = """
INSERT INTO referrals (referral_id, person_id, sender_org_id, receiver_org_id, departement, submitted_at,
  acknowledgement_due, age_band, qpv_resident, acknowledged_at, seen_at, accepted_at, returned_at, return_status, reason_code)
SELECT md5('r' || i)::uuid, md5('p' || (1 + i % ($1 / 2)))::uuid, md5('o' || (i % 50))::uuid, md5('o' || ((i * 7 + 3) % 50))::uuid,
       (ARRAY['44', '44', '44', '85', '49'])[1 + i % 5], s.at, (s.at + interval '7 days')::date,
       (ARRAY['under_26', '26_49', '50_plus'])[1 + i % 3], (ARRAY['yes', 'no', 'no'])[1 + i % 3],
       s.at + (i % 9) * interval '1 day', CASE WHEN i % 4 <> 0 THEN s.at + (i % 25) * interval '1 day' END,
       CASE WHEN i % 10 < 7 THEN s.at + (5 + i % 40) * interval '1 day' END,
       CASE WHEN i % 10 >= 7 THEN s.at + (3 + i % 20) * interval '1 day' END,
       CASE WHEN i % 10 >= 8 THEN 'refused' WHEN i % 10 = 7 THEN 'expired' END,
       CASE WHEN i % 10 >= 8 THEN 'no_capacity' END
FROM generate_series(1, $1) AS i, LATERAL (SELECT timestamptz '2026-01-01 08:00+01' + (i % 365) * interval '1 day'
       + (i % 600) * interval '1 minute' AS at) s;
"""
QUERIES = [
    ("referral_funnel", {"group_by": ["organisation_pair"]}),
    ("referral_funnel", {"group_by": ["organisation", "sex"]}),
    ("returns_to_sender", {"group_by": ["return_reason"]}),
    ("referral_funnel", {"group_by": ["month"]}),
    ("orientation_delays", {"group_by": ["age_band"]}),
]


async def indicator_queries(ctx: BenchContext, referrals: int, rounds: int) -> list[Figure]:
    from relais_evaluation.app import create_app
    from relais_evaluation.settings import EvaluationSettings

    async with scratch_database(ctx, "evaluation_queries", service_dir=EVALUATION) as url:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        began = time.perf_counter()
        try:
            await conn.execute(GENERATE.replace("$1", str(int(referrals))))
            await conn.execute(GENERATE_REFERRALS.replace("$1", str(int(referrals))))
        finally:
            await conn.close()
        loaded = time.perf_counter() - began
        # Generated straight into the detail tables: their cells are counted once, as a migration of an
        # existing store does (the ingestion keeps them from then on).
        began = time.perf_counter()
        engine = make_engine(url, pool_size=1)
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                await recount(session)
                await session.execute(text("ANALYZE"))
        finally:
            await engine.dispose()
        counted = time.perf_counter() - began
        app = create_app(EvaluationSettings(database_url=url, pact_key=PACT_KEY))
        token = DevIssuer(dev_issuer_dir(None)).token(
            org_id=COORDINATION, org_kind="pact_coordination", roles=["coordinator"]
        )
        timings: dict[str, list[float]] = {}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://evaluation", timeout=120
            ) as client,
        ):
            for round_ in range(rounds + 1):
                for name, params in QUERIES:
                    started = time.perf_counter()
                    answer = await client.get(
                        f"/v1/indicators/{name}",
                        params={"from": "2026-01-01", "to": "2026-12-31", **params},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    elapsed = time.perf_counter() - started
                    answer.raise_for_status()
                    if round_:  # the first round warms the caches
                        timings.setdefault(f"{name} by {'+'.join(params['group_by'])}", []).append(elapsed)
    every = [t for values in timings.values() for t in values]
    shapes = "; ".join(f"{k}: p95 {1000 * (percentile(v, 95) or 0):.0f} ms" for k, v in timings.items())
    return [
        Figure(
            "evaluation.indicators.p95",
            f"Indicator queries over {referrals:,} referrals (a year, 50 organisations), API in process, p95",
            "ms",
            [1000 * (percentile(every, 95) or 0)],
            better="lower",
            target=Target("< 1 s", max_value=1000),
            notes=f"{rounds} rounds of {len(QUERIES)} query shapes after a warm-up round; {shapes}; "
            f"store generated in {loaded:.0f} s, its cells counted in {counted:.0f} s",
        )
    ]


@measurement("evaluation.store", kind="relais", order=60)
async def evaluation_store(ctx: BenchContext) -> list[Figure]:
    """Evaluation ingestion beside the Kafka ceiling, rebuild from Kafka, indicator query p95."""
    # The rebuild is timed on a million events; the live ingestion's rate on its first 30 s.
    figures, _ = await ingestion_and_rebuild(
        ctx, ctx.sizes.pick(1_000_000, 15_000), time_box=ctx.sizes.pick(30.0, 10.0)
    )
    figures += await indicator_queries(ctx, ctx.sizes.pick(1_000_000, 50_000), rounds=ctx.sizes.pick(2, 2))
    return figures
