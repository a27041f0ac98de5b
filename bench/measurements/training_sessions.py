"""Training at the size of a metropolis: session search over 20,000 sessions, and enrolments contending for
one session's seats.

The catalogue is bulk-inserted with SQL into a scratch database migrated with the training service's
migrations: 400 offers of 20 providers, 20,000 sessions over two years in 11 communes (a third full).
Through a ``training-api`` process:

- ``GET /v1/sessions`` with the filters a counsellor combines (type, a date window, commune, free seats,
  public, childcare), one request at a time, p95 — beside the same query in SQL on the same PostgreSQL;
- ``POST /v1/sessions/{id}/enrolments`` for one session by many clients at once (its row lock orders them):
  enrolments per second — beside the same transaction (lock the session, next position, insert, count the
  seat) sent by as many SQL connections.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.core import BenchContext, Figure, percentile
from bench.measurements.http_ceiling import wait_http
from bench.procs import Processes
from bench.referral_fixture import Tokens
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database
from relais_dev.testing import free_port

KINDS = ["fle", "digital", "pre_qualifying", "qualifying", "work_readiness", "other"]
PUBLICS = ["jeunes", "allophones", "femmes", "rsa", "seniors"]
COMMUNES = ["44109", "44162", "44143", "44190", "44114", "44215", "44026", "44035", "44020", "44047", "44184"]
START = date(2027, 1, 4)

CATALOGUE_SQL = """
SET session_replication_role = replica;
INSERT INTO offers (id, provider_org_id, title, kind, publics, shortage_tags)
SELECT md5('o' || g)::uuid, md5('provider' || (g % 20))::uuid, 'Formation ' || g,
    (ARRAY['fle','digital','pre_qualifying','qualifying','work_readiness','other'])[1 + g % 6],
    CASE WHEN g % 3 = 0 THEN ARRAY[]::varchar[]
         ELSE ARRAY[(ARRAY['jeunes','allophones','femmes','rsa','seniors'])[1 + g % 5]] END,
    ARRAY[]::varchar[]
FROM generate_series(0, {offers} - 1) g;
INSERT INTO sessions (id, offer_id, provider_org_id, starts_on, ends_on, commune, code_insee, capacity,
    confirmed, childcare, accessible, near_qpv, state)
SELECT md5('s' || g)::uuid, md5('o' || (g % {offers}))::uuid, md5('provider' || (g % {offers} % 20))::uuid,
    date '2027-01-04' + (g * 7919 % 730), date '2027-01-04' + (g * 7919 % 730) + 60, 'Commune',
    (ARRAY['44109','44162','44143','44190','44114','44215','44026','44035','44020','44047',
           '44184'])[1 + g % 11],
    12, CASE WHEN g % 3 = 0 THEN 12 ELSE g % 12 END, g % 4 = 0, g % 2 = 0, g % 5 = 0,
    CASE WHEN g % 3 = 0 THEN 'full' ELSE 'open' END
FROM generate_series(0, {sessions} - 1) g;
SET session_replication_role = origin;
"""

# What GET /v1/sessions runs (relais_training.app.search_sessions), every filter given.
SEARCH_SQL = """
SELECT s.*, o.*
FROM sessions s JOIN offers o ON o.id = s.offer_id
WHERE s.state IN ('planned', 'open', 'full', 'running')
  AND o.kind = $1 AND s.starts_on >= $2 AND s.starts_on <= $3 AND s.code_insee = $4
  AND ($5::text IS NULL OR $5 = ANY(o.publics) OR o.publics = '{}')
  AND s.confirmed < s.capacity AND s.state IN ('planned', 'open')
  AND ($6::boolean IS NULL OR s.childcare = $6)
ORDER BY s.starts_on, s.id
LIMIT 50
"""

# The enrolment's work in one transaction, as the handler does it (less the outbox and the ORM).
ENROL_SQL = (
    "SELECT id, capacity, confirmed FROM sessions WHERE id = $1 FOR UPDATE",
    "SELECT coalesce(max(position), 0) + 1 FROM enrolments WHERE session_id = $1",
    "INSERT INTO enrolments (id, session_id, jobseeker_id, requested_by_org_id, status, position)"
    " VALUES ($1, $2, $3, $4, $5, $6)",
    "UPDATE sessions SET confirmed = confirmed + 1 WHERE id = $1",
)


def _criteria(rng: random.Random) -> dict[str, Any]:
    starts = START + timedelta(days=rng.randint(0, 640))
    return {
        "kind": rng.choice(KINDS),
        "starts_after": starts,
        "starts_before": starts + timedelta(days=rng.choice((30, 60, 90))),
        "code_insee": rng.choice(COMMUNES),
        "public": rng.choice([None, *PUBLICS]),
        "childcare": rng.choice([None, True]),
    }


async def _sql_enrol(pool: asyncpg.Pool, session_id: uuid.UUID, provider: uuid.UUID) -> None:
    lock, position, insert, seat = ENROL_SQL
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(lock, session_id)
        nth = await conn.fetchval(position, session_id)
        confirmed = row["confirmed"] < row["capacity"]
        status = "confirmed" if confirmed else "waitlisted"
        await conn.execute(insert, uuid.uuid4(), session_id, uuid.uuid4(), provider, status, nth)
        if confirmed:
            await conn.execute(seat, session_id)


async def _gather_limited(concurrency: int, jobs: list[Any]) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Any) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(j) for j in jobs))


@measurement("training.sessions", kind="relais", order=45)
async def training_sessions(ctx: BenchContext) -> list[Figure]:
    """Training: session search p95 over 20,000 sessions; enrolments contending for one session's seats."""
    offers, sessions = ctx.sizes.pick(400, 60), ctx.sizes.pick(20_000, 2_000)
    searches = ctx.sizes.pick(300, 40)
    requests, concurrency, capacity = ctx.sizes.pick(600, 100), 16, 100
    rng = random.Random(14)
    criteria = [_criteria(rng) for _ in range(searches)]
    provider = uuid.uuid4()
    tokens = Tokens()

    async with scratch_database(ctx, "training", service_dir=Path("services/training")) as url:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            began = time.perf_counter()
            await conn.execute(CATALOGUE_SQL.format(offers=offers, sessions=sessions))
            await conn.execute("ANALYZE")
            load_s = time.perf_counter() - began
            sql_search_ms, found = [], 0
            for c in criteria:
                t0 = time.perf_counter()
                rows = await conn.fetch(
                    SEARCH_SQL,
                    c["kind"],
                    c["starts_after"],
                    c["starts_before"],
                    c["code_insee"],
                    c["public"],
                    c["childcare"],
                )
                sql_search_ms.append((time.perf_counter() - t0) * 1000)
                found += len(rows)
            # Two sessions of the bench's provider: one for the API, one for the SQL ceiling.
            api_session, sql_session = uuid.uuid4(), uuid.uuid4()
            offer = await conn.fetchval("SELECT id FROM offers LIMIT 1")
            for sid in (api_session, sql_session):
                await conn.execute(
                    "INSERT INTO sessions (id, offer_id, provider_org_id, starts_on, ends_on, commune,"
                    " capacity, confirmed, state) VALUES ($1, $2, $3, $4, $4, 'Nantes', $5, 0, 'open')",
                    sid,
                    offer,
                    provider,
                    START,
                    capacity,
                )
        finally:
            await conn.close()

        pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=concurrency, max_size=concurrency)
        try:
            t0 = time.perf_counter()
            await _gather_limited(
                concurrency, [lambda: _sql_enrol(pool, sql_session, provider) for _ in range(requests)]
            )
            sql_rate = requests / (time.perf_counter() - t0)
        finally:
            await pool.close()

        port = free_port()
        env = ctx.service_env(RELAIS_TRAINING_DATABASE_URL=url, RELAIS_TRAINING_API_PORT=str(port))
        api_search_ms: list[float] = []
        statuses: list[str] = []
        with Processes(ctx.work_dir) as procs:
            procs.start_module("training-api", "relais_training.entrypoints.api", env)
            await wait_http(port, "/ready", procs)
            counsellor = tokens.header(uuid.uuid4())
            owner = tokens.header(provider, role="training_provider", kind="training_provider")
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
            ) as client:
                for c in criteria[:3]:  # warm the process (connections, first queries)
                    await client.get("/v1/sessions", params=_params(c), headers=counsellor)
                for c in criteria:
                    t0 = time.perf_counter()
                    answer = await client.get("/v1/sessions", params=_params(c), headers=counsellor)
                    api_search_ms.append((time.perf_counter() - t0) * 1000)
                    if answer.status_code != 200:
                        raise RuntimeError(f"search failed: {answer.status_code} {answer.text[:300]}")

                async def enrol() -> None:
                    answer = await client.post(
                        f"/v1/sessions/{api_session}/enrolments",
                        json={"jobseeker_id": str(uuid.uuid4())},
                        headers=owner,
                    )
                    if answer.status_code != 201:
                        raise RuntimeError(f"enrolment failed: {answer.status_code} {answer.text[:300]}")
                    statuses.append(answer.json()["status"])

                t0 = time.perf_counter()
                await _gather_limited(concurrency, [enrol for _ in range(requests)])
                api_rate = requests / (time.perf_counter() - t0)
    if (statuses.count("confirmed"), statuses.count("waitlisted")) != (capacity, requests - capacity):
        raise RuntimeError(f"seats went wrong: {statuses.count('confirmed')} confirmed of {capacity}")
    api_p95, sql_p95 = percentile(api_search_ms, 95) or 0.0, percentile(sql_search_ms, 95) or 0.0
    return [
        Figure(
            "training.search.p95_ms",
            f"Session search (GET /v1/sessions, every filter) over {sessions:,} sessions, p95",
            "ms",
            [api_p95],
            better="lower",
            notes=(
                f"{offers} offers, {sessions:,} sessions over two years (a third full; loaded in "
                f"{load_s:.1f} s), {searches} searches one at a time, {found / searches:.1f} sessions found "
                f"on average; the same query in SQL on the same PostgreSQL: p95 {sql_p95:.1f} ms — the API "
                f"is {api_p95 / sql_p95:.0f}× the statement alone (token, HTTP, ORM, JSON)"
            ),
            extra={"sql_statement_p95_ms": sql_p95, "ratio": api_p95 / sql_p95 if sql_p95 else None},
        ),
        Figure(
            "training.enrol.contended_per_s",
            f"Enrolments for one session, {concurrency} clients at once ({capacity} seats, "
            f"{requests} requests)",
            "enrolments/s",
            [api_rate],
            better="higher",
            notes=(
                f"exactly {capacity} confirmed and {requests - capacity} waitlisted; the same transaction"
                " (lock the session row, next position, insert, count the seat) from"
                f" {concurrency} SQL connections: {sql_rate:.0f}/s — the API reaches"
                f" {api_rate / sql_rate:.0%} of it (each request also checks a token, writes its event to"
                " the outbox and answers JSON)"
            ),
            extra={"sql_ceiling_per_s": sql_rate, "ratio": api_rate / sql_rate if sql_rate else None},
        ),
    ]


def _params(c: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "kind": c["kind"],
        "starts_after": c["starts_after"].isoformat(),
        "starts_before": c["starts_before"].isoformat(),
        "code_insee": c["code_insee"],
        "free_seats": "true",
    }
    if c["public"]:
        params["public"] = c["public"]
    if c["childcare"] is not None:
        params["childcare"] = "true"
    return params
