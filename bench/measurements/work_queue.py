"""Work-queue queries of one organisation over a synthetic history of 1,000,000 referrals.

The history is bulk-inserted with SQL (``generate_series``) into the referral tables of a scratch
database migrated with the service's own migrations; the queries go through the public API
(``GET /v1/organisations/{org}/inbox``) of a ``referral-api`` process pointed at that database.
One organisation — a large France Travail agency — receives a tenth of all referrals.
"""

from __future__ import annotations

import time
import uuid

import asyncpg

from bench.core import BenchContext, Figure, Target, percentile
from bench.httpload import Connection
from bench.procs import Processes
from bench.referral_fixture import Tokens, start_referral
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database

ORGANISATIONS = 60

# Statuses of a realistic history: most referrals are long closed, about a tenth still open.
HISTORY_SQL = """
SET session_replication_role = replica;  -- bulk load: foreign keys are satisfied by construction
INSERT INTO organisations (id, name, kind, departement)
SELECT md5('org' || g)::uuid, 'Organisation ' || g,
       (ARRAY['france_travail','mission_locale','plie','cap_emploi','siae'])[1 + g % 5], '44'
FROM generate_series(0, {orgs} - 1) g;
INSERT INTO jobseekers (id, first_name, last_name, postcode, referent_org_id, created_by)
SELECT md5('js' || g)::uuid, 'Prénom', 'Nom ' || g, '44000', md5('org' || (g % {orgs}))::uuid, 'bench'
FROM generate_series(0, {jobseekers} - 1) g;
CREATE TEMP TABLE gen AS
SELECT md5('ref' || g)::uuid AS id,
       md5('js' || (g % {jobseekers}))::uuid AS jobseeker_id,
       md5('org' || ((g / 7) % {orgs}))::uuid AS sender_org_id,
       md5('org' || CASE WHEN g % 10 = 0 THEN 0 ELSE 1 + (g % ({orgs} - 1)) END)::uuid AS receiver_org_id,
       CASE WHEN g % 100 < 4 THEN 'submitted' WHEN g % 100 < 7 THEN 'acknowledged'
            WHEN g % 100 < 10 THEN 'appointment_scheduled' WHEN g % 100 < 60 THEN 'closed'
            WHEN g % 100 < 80 THEN 'accepted' WHEN g % 100 < 90 THEN 'refused' ELSE 'expired' END AS status,
       timestamptz '2022-01-01' + (g * interval '90 seconds') AS submitted_at
FROM generate_series(0, {referrals} - 1) g;
INSERT INTO referrals (id, jobseeker_id, sender_org_id, receiver_org_id, status, submitted_at,
                       acknowledgement_due, motive, submitted_by)
SELECT id, jobseeker_id, sender_org_id, receiver_org_id, status, submitted_at,
       (submitted_at + interval '7 days')::date, 'Motif synthétique', 'bench'
FROM gen;
INSERT INTO inbox_entries (referral_id, receiver_org_id, sender_org_id, jobseeker_id, status,
                           submitted_at, acknowledgement_due)
SELECT id, receiver_org_id, sender_org_id, jobseeker_id, status, submitted_at,
       (submitted_at + interval '7 days')::date
FROM gen;
SET session_replication_role = origin;
"""

QUERIES = {
    "default (open and closed, by due date)": "",
    "status=submitted": "status=submitted",
    "sort=-submitted": "sort=-submitted",
    "page 21 (offset 1000)": "offset=1000",
}


@measurement("referral.work_queue", kind="relais", order=30)
async def work_queue(ctx: BenchContext) -> list[Figure]:
    """Inbox (work-queue) queries of the busiest organisation over a 1,000,000-referral history."""
    referrals = ctx.sizes.pick(1_000_000, 20_000)
    per_query = ctx.sizes.pick(25, 5)
    big_org = uuid.UUID(bytes=bytes.fromhex(__import__("hashlib").md5(b"org0").hexdigest()))
    tokens = Tokens()
    latencies: dict[str, list[float]] = {name: [] for name in QUERIES}
    async with scratch_database(ctx, "history") as url:
        began = time.perf_counter()
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.execute(
                HISTORY_SQL.format(
                    orgs=ORGANISATIONS, jobseekers=max(1000, referrals // 10), referrals=referrals
                )
            )
            await conn.execute("ANALYZE")
            in_inbox = await conn.fetchval(
                "SELECT count(*) FROM inbox_entries WHERE receiver_org_id = $1", big_org
            )
        finally:
            await conn.close()
        load_s = time.perf_counter() - began
        with Processes(ctx.work_dir) as procs:
            port = await start_referral(ctx, procs, database_url=url, task_queue="unused", which=("api",))
            client = Connection("127.0.0.1", port)
            headers = tokens.header(big_org, kind="france_travail")
            try:
                for query in QUERIES.values():  # warm-up: plans and caches
                    status, body = await client.request(
                        "GET", f"/v1/organisations/{big_org}/inbox?{query}", b"", headers
                    )
                    if status != 200:
                        raise RuntimeError(f"inbox query failed: {status} {body[:300]!r}")
                for _ in range(per_query):
                    for name, query in QUERIES.items():
                        t0 = time.perf_counter()
                        status, _ = await client.request(
                            "GET", f"/v1/organisations/{big_org}/inbox?{query}", b"", headers
                        )
                        if status == 200:
                            latencies[name].append((time.perf_counter() - t0) * 1000)
            finally:
                client.close()
    pooled = [v for values in latencies.values() for v in values]
    per_query_p95 = {name: percentile(values, 95) for name, values in latencies.items()}
    notes = (
        f"{referrals:,} referrals, {in_inbox:,} in the queried organisation's inbox; history loaded in "
        f"{load_s:.0f} s; {per_query} sequential requests of each of {len(QUERIES)} queries; p95 by query: "
        + ", ".join(f"{k} {v:.0f} ms" for k, v in per_query_p95.items() if v is not None)
    )
    return [
        Figure(
            "referral.work_queue.p50",
            "Work-queue query (GET inbox, 50 rows), p50",
            "ms",
            [percentile(pooled, 50) or 0],
            better="lower",
            notes=notes,
            extra={"p95_by_query_ms": per_query_p95},
        ),
        Figure(
            "referral.work_queue.p95",
            "Work-queue query (GET inbox, 50 rows), p95",
            "ms",
            [percentile(pooled, 95) or 0],
            better="lower",
            target=Target("< 200 ms", max_value=200.0),
        ),
    ]
