"""Insertion clauses at the size of Nantes: the yearly report and a 10,000-row hours file.

A year is bulk-inserted with SQL into a scratch database migrated with the clauses service's migrations:
300 contracts, 1,500 participants, about 2,000 work contracts and 700,000 hours declared month by month
(a tenth of the periods corrected once). Through a ``clauses-api`` process:

- ``GET /v1/reports/clauses?year=2026`` as the pact coordination (every contract), beside the same
  figures — hours of the latest version of each period, summed per contract — in one SQL statement;
- ``POST …/hours/import`` of a 10,000-row CSV (a new version of each period of one large contract's
  work contracts), beside the same 10,000 rows inserted by one ``INSERT … SELECT``.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from bench.core import BenchContext, Figure, percentile
from bench.measurements.http_ceiling import wait_http
from bench.procs import Processes
from bench.referral_fixture import Tokens
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database
from relais_dev.testing import free_port

COORDINATION = uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44")
YEAR_SQL = """
SET session_replication_role = replica;
INSERT INTO operations (id, buyer_org_id, name)
SELECT md5('op' || g)::uuid, md5('buyer' || (g % 4))::uuid, 'Opération ' || g FROM generate_series(0, 59) g;
INSERT INTO contracts (id, operation_id, reference, legal_basis, amount, starts_on, ends_on,
    contractor_org_id, contractor_siret, facilitator_org_id, parties, hours_required, hours_mandatory,
    reporting_period, penalty_rule, penalty_hourly_amount)
SELECT md5('c' || g)::uuid, md5('op' || (g % 60))::uuid, 'M-' || g, 'execution_condition', 1000000,
    date '2026-01-01', date '2026-12-31', md5('contractor' || (g % 40))::uuid, '73282932000074',
    md5('facilitator' || (g % 3))::uuid, '[]'::jsonb, 2500, 2000, 'month', 'per_missing_hour', 45
FROM generate_series(0, {contracts} - 1) g;
INSERT INTO participants (id, sex, age_band, qpv_resident)
SELECT md5('p' || g)::uuid, (ARRAY['F','M'])[1 + g % 2],
    (ARRAY['under_26','26_49','50_plus'])[1 + g % 3], g % 3 = 0
FROM generate_series(0, {participants} - 1) g;
INSERT INTO eligibility_decisions (id, participant_id, facilitator_org_id, decided_on, valid_until,
    criteria, proofs)
SELECT md5('d' || g)::uuid, md5('p' || g)::uuid, md5('facilitator0')::uuid, date '2025-12-01',
    date '2027-12-01',
    ARRAY[(ARRAY['rsa','long_term_jobseeker','qpv_resident','over_50_jobseeker'])[1 + g % 4]], '[]'::jsonb
FROM generate_series(0, {participants} - 1) g;
INSERT INTO work_contracts (id, contract_id, participant_id, decision_id, mode, contract_type, starts_on,
    employer_siret)
SELECT md5('w' || g)::uuid, md5('c' || (g % {contracts}))::uuid, md5('p' || (g % {participants}))::uuid,
    md5('d' || (g % {participants}))::uuid,
    (ARRAY['direct_hire','staff_provision','siae_subcontracting','training'])[1 + g % 4],
    (ARRAY['CDD','interim','contrat_aide','formation'])[1 + g % 4], date '2026-01-01', '73282932000074'
FROM generate_series(0, {work} - 1) g;
INSERT INTO hour_declarations (work_contract_id, period, version, hours, reference, declared_by_org_id)
SELECT md5('w' || w)::uuid, make_date(2026, m, 1), 1, {monthly}, 'BUL', md5('contractor0')::uuid
FROM generate_series(0, {work} - 1) w, generate_series(1, 12) m;
INSERT INTO hour_declarations (work_contract_id, period, version, hours, reference, declared_by_org_id)
SELECT md5('w' || w)::uuid, make_date(2026, m, 1), 2, {monthly} - 5, 'BUL-rectifié', md5('contractor0')::uuid
FROM generate_series(0, {work} - 1) w, generate_series(1, 12) m WHERE (w + m) % 10 = 0;
-- The large contract's newcomers, whose hours the imported file declares.
INSERT INTO work_contracts (id, contract_id, participant_id, decision_id, mode, contract_type, starts_on,
    employer_siret)
SELECT md5('wx' || g)::uuid, md5('c0')::uuid, md5('p' || (g % {participants}))::uuid,
    md5('d' || (g % {participants}))::uuid, 'direct_hire', 'CDD', date '2026-01-01', '73282932000074'
FROM generate_series(0, {newcomers} - 1) g;
SET session_replication_role = origin;
"""

# The report's figures in one statement: latest version of each period, summed per contract.
REPORT_SQL = """
SELECT w.contract_id, sum(d.hours) AS hours, count(DISTINCT w.participant_id) AS participants
FROM (SELECT DISTINCT ON (work_contract_id, period) work_contract_id, hours FROM hour_declarations
      WHERE period >= date '2026-01-01' AND period < date '2027-01-01'
      ORDER BY work_contract_id, period, version DESC) d
JOIN work_contracts w ON w.id = d.work_contract_id
GROUP BY w.contract_id
"""

# The same rows as the file (as corrections, the file's rows being there already), in one statement.
IMPORT_SQL = """
INSERT INTO hour_declarations (work_contract_id, period, version, hours, reference, declared_by_org_id)
SELECT md5('wx' || g)::uuid, make_date(2026, m, 1), 2, 120, 'BUL-sql', md5('facilitator0')::uuid
FROM generate_series(0, $1 - 1) g, generate_series(1, 12) m
LIMIT $2
"""


def md5_uuid(text: str) -> uuid.UUID:
    """The uuid PostgreSQL's ``md5(text)::uuid`` gives: how the synthetic year names its rows."""
    return uuid.UUID(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest())


@measurement("clauses.year", kind="relais", order=40)
async def clauses_year(ctx: BenchContext) -> list[Figure]:
    """Clauses at Nantes size: yearly report, 10,000-row hours import, each beside one SQL statement."""
    contracts, participants = ctx.sizes.pick(300, 30), ctx.sizes.pick(1500, 150)
    work = ctx.sizes.pick(2000, 200)
    monthly = ctx.sizes.pick(700_000, 70_000) // (work * 12)  # per work contract and month: 700,000 h a year
    repeats = ctx.sizes.pick(5, 2)
    big_contract = md5_uuid("c0")
    import_rows = ctx.sizes.pick(10_000, 1_000)
    tokens = Tokens()

    async with scratch_database(ctx, "clauses", service_dir=Path("services/clauses")) as url:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            began = time.perf_counter()
            newcomers = import_rows // 12 + 1
            await conn.execute(
                YEAR_SQL.format(
                    contracts=contracts,
                    participants=participants,
                    work=work,
                    monthly=monthly,
                    newcomers=newcomers,
                )
            )
            await conn.execute("ANALYZE")
            load_s = time.perf_counter() - began
            total_hours = await conn.fetchval(
                "SELECT sum(hours) FROM hour_declarations d WHERE version = (SELECT max(version) FROM "
                "hour_declarations x WHERE x.work_contract_id = d.work_contract_id AND x.period = d.period)"
            )
            sql_report_ms = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                await conn.fetch(REPORT_SQL)
                sql_report_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            await conn.close()
        # The import's file: the large contract's newcomers, every month of the year, one row each.
        lines = [
            f"{md5_uuid(f'wx{g}')};2026-{m:02d};120;BUL-{g}-{m}"
            for g in range(newcomers)
            for m in range(1, 13)
        ][:import_rows]
        csv_body = ("work_contract_id;period;hours;reference\n" + "\n".join(lines) + "\n").encode()

        port = free_port()
        env = ctx.service_env(RELAIS_CLAUSES_DATABASE_URL=url, RELAIS_CLAUSES_API_PORT=str(port))
        api_report_ms: list[float] = []
        api_import_ms: list[float] = []
        with Processes(ctx.work_dir) as procs:
            procs.start_module("clauses-api", "relais_clauses.entrypoints.api", env)
            await wait_http(port, "/ready", procs)
            coordinator = tokens.header(COORDINATION, role="coordinator", kind="pact_coordination")
            facilitator = tokens.header(md5_uuid("facilitator0"), role="facilitator")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    report = await client.get(
                        "/v1/reports/clauses", params={"year": 2026}, headers=coordinator
                    )
                    api_report_ms.append((time.perf_counter() - t0) * 1000)
                    if report.status_code != 200 or len(report.json()) != contracts:
                        raise RuntimeError(f"report failed: {report.status_code} {report.text[:300]}")
                reported = sum(r["hours"] for r in report.json())
                t0 = time.perf_counter()
                imported = await client.post(
                    f"/v1/contracts/{big_contract}/hours/import",
                    headers=facilitator,
                    files={"file": ("heures.csv", csv_body, "text/csv")},
                )
                api_import_ms.append((time.perf_counter() - t0) * 1000)
                if imported.status_code != 201:
                    raise RuntimeError(f"import failed: {imported.status_code} {imported.text[:300]}")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            sql_import_ms = []
            t0 = time.perf_counter()
            inserted = await conn.execute(IMPORT_SQL, newcomers, import_rows)
            sql_import_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            await conn.close()
    report_p50, sql_p50 = percentile(api_report_ms, 50) or 0.0, percentile(sql_report_ms, 50) or 0.0
    import_ms, sql_ins_ms = api_import_ms[0], sql_import_ms[0]
    return [
        Figure(
            "clauses.report.year_ms",
            "Yearly clauses report (JSON, every contract of a Nantes-sized year), median",
            "ms",
            [report_p50],
            better="lower",
            notes=(
                f"{contracts} contracts, {participants:,} participants, {work:,} work contracts, "
                f"{float(total_hours or 0):,.0f} h declared (latest versions; loaded in {load_s:.0f} s), "
                f"{float(reported):,.0f} h reported; the same sums in one SQL statement: {sql_p50:.0f} ms — "
                f"the report is {report_p50 / sql_p50:.0f}× the statement alone (counting rules, caps and "
                "categories are applied in Python per contract)"
            ),
            extra={"sql_statement_ms": sql_p50, "ratio": report_p50 / sql_p50 if sql_p50 else None},
        ),
        Figure(
            "clauses.import.rows_10000_ms",
            f"Import of a {import_rows:,}-row hours file (CSV, validated, all or nothing)",
            "ms",
            [import_ms],
            better="lower",
            notes=(
                f"the same rows in one INSERT … SELECT: {sql_ins_ms:.0f} ms ({inserted}) — the import is "
                f"{import_ms / sql_ins_ms:.0f}× the statement alone (each line validated, versioned and "
                "published as an event through the outbox)"
            ),
            extra={"sql_statement_ms": sql_ins_ms, "ratio": import_ms / sql_ins_ms if sql_ins_ms else None},
        ),
    ]
