"""Suggestions of services for a person's need over a directory of 20,000 data·inclusion services.

The directory is bulk-inserted with SQL into a scratch database migrated with the referral service's own
migrations: services spread over the real communes of five départements (Loire-Atlantique and its
neighbours, from the installed division data), one to three thematics each, some publics and zones, a
tenth full. The figure is ``GET /v1/jobseekers/{id}/needs/{need}/suggestions`` through a ``referral-api``
process; beside it, the same statement the API builds, run alone on PostgreSQL: their ratio is what the
API adds (token, visibility check, audit line, serialisation).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import asyncpg
from data_inclusion.schema.v1 import Thematique

from bench.core import BenchContext, Figure, percentile
from bench.httpload import Connection
from bench.procs import Processes
from bench.referral_fixture import Tokens, start_referral
from bench.registry import measurement
from bench.scratch import asyncpg_dsn, scratch_database
from relais_referral.db.offer import suggestions_query
from relais_referral.domain.offer import person_publics, thematics_answering
from relais_referral.territory import data_dir, load_territory
from relais_shared.db import make_engine

DEPARTEMENTS = ("44", "49", "85", "35", "56")
NEED = "mobilite"
PUBLICS = ["jeunes", "demandeurs-emploi", "seniors", "femmes", "beneficiaires-des-minimas-sociaux"]


def directory_rows(count: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Organisations and services, deterministic (a service's draw depends on its number only)."""
    territory = load_territory(data_dir(None))
    communes = territory.communes_in(DEPARTEMENTS)
    thematics = sorted(t.value for t in Thematique)
    orgs = [
        (uuid.uuid5(uuid.NAMESPACE_URL, f"bench-org-{i}"), f"Structure {i}")
        for i in range(max(50, count // 40))
    ]
    services = []
    for i in range(count):
        commune = communes[(i * 7919) % len(communes)]
        chosen = sorted({thematics[(i * k * 31) % len(thematics)] for k in range(1, 2 + i % 3)})
        publics = [] if i % 3 == 0 else sorted({PUBLICS[i % 5], PUBLICS[(i // 5) % 5]})
        zone = [commune.epci] if i % 4 == 0 and commune.epci else []
        service_id = uuid.uuid5(uuid.NAMESPACE_URL, f"bench-service-{i}")
        document = {"source": "bench", "id": str(service_id), "nom": f"Service {i}", "thematiques": chosen}
        services.append(
            (
                service_id,
                orgs[i % len(orgs)][0],
                f"Service {i}",
                json.dumps(document),
                chosen,
                publics,
                zone,
                commune.code,
                commune.epci,
                commune.departement,
                "full" if i % 10 == 0 else "open",
            )
        )
    return orgs, services


@measurement("referral.offer_suggestions", kind="relais", order=35)
async def offer_suggestions(ctx: BenchContext) -> list[Figure]:
    """Suggestions for a need (GET …/needs/{id}/suggestions) over 20,000 services, beside the query alone."""
    count = ctx.sizes.pick(20_000, 2_000)
    requests = ctx.sizes.pick(200, 30)
    tokens = Tokens()
    org, person, need = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    orgs, services = directory_rows(count)
    async with scratch_database(ctx, "offer") as url:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.executemany(
                "INSERT INTO organisations (id, name, kind, departement)"
                " VALUES ($1, $2, 'association', '44')",
                [*orgs, (org, "Mission locale du bench")],
            )
            await conn.copy_records_to_table(
                "offer_services",
                records=services,
                columns=[
                    "id",
                    "organisation_id",
                    "name",
                    "document",
                    "thematiques",
                    "publics",
                    "zone",
                    "code_insee",
                    "epci",
                    "departement",
                    "capacity_status",
                ],
            )
            await conn.execute(
                "INSERT INTO jobseekers (id, first_name, last_name, birth_date, postcode, sex,"
                " referent_org_id, created_by)"
                " VALUES ($1, 'Prénom', 'Nom', '2004-05-06', '44300', 'F', $2, 'bench')",
                person,
                org,
            )
            await conn.execute(
                "INSERT INTO jobseeker_needs (id, jobseeker_id, thematique, identified_on,"
                " identified_by_org_id) VALUES ($1, $2, $3, current_date, $4)",
                need,
                person,
                NEED,
                org,
            )
            await conn.execute("ANALYZE")
            matching = await conn.fetchval(
                "SELECT count(*) FROM offer_services WHERE thematiques && $1::varchar[]",
                list(thematics_answering(NEED)),
            )
        finally:
            await conn.close()

        api_ms: list[float] = []
        with Processes(ctx.work_dir) as procs:
            port = await start_referral(ctx, procs, database_url=url, task_queue="unused", which=("api",))
            client = Connection("127.0.0.1", port)
            headers = tokens.header(org)
            path = f"/v1/jobseekers/{person}/needs/{need}/suggestions"
            try:
                for i in range(requests + 5):
                    t0 = time.perf_counter()
                    status, body = await client.request("GET", path, b"", headers)
                    if status != 200:
                        raise RuntimeError(f"suggestions failed: {status} {body[:300]!r}")
                    if i >= 5:  # the first ones warm plans and caches
                        api_ms.append((time.perf_counter() - t0) * 1000)
            finally:
                client.close()

        # The same statement, alone: built by the same function, on one connection, nothing around it.
        territory = load_territory(data_dir(None))
        statement = suggestions_query(
            thematiques=thematics_answering(NEED),
            publics=person_publics(age_band="under_26", sex="F", qpv_resident=None, situation=()),
            place=territory.place_of_postcode("44300"),
            near=None,
            limit=20,
        )
        engine = make_engine(url, pool_size=1)
        db_ms: list[float] = []
        try:
            async with engine.connect() as sql:
                for i in range(requests + 5):
                    t0 = time.perf_counter()
                    rows = (await sql.execute(statement)).all()
                    if i >= 5:
                        db_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            await engine.dispose()
    api_p95, db_p95 = percentile(api_ms, 95) or 0.0, percentile(db_ms, 95) or 0.0
    ratio = api_p95 / db_p95 if db_p95 else None
    notes = (
        f"{count:,} services ({matching:,} answering « {NEED} »), {len(rows)} suggestions per answer; "
        f"{requests} sequential requests; the same statement alone on PostgreSQL: p95 {db_p95:.1f} ms"
        + (f" — the API is {ratio:.1f}× the query alone" if ratio else "")
    )
    return [
        Figure(
            "referral.offer.suggestions.p95",
            "Suggestions for a need over 20,000 services (GET via the API), p95",
            "ms",
            [api_p95],
            better="lower",
            notes=notes,
            extra={"query_alone_p95_ms": db_p95, "ratio_to_query_alone": ratio},
        ),
        Figure(
            "referral.offer.suggestions_query.p95",
            "The same suggestions statement alone on PostgreSQL, p95",
            "ms",
            [db_p95],
            better="lower",
        ),
    ]
