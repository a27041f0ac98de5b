"""The referral service as the bench runs it: its processes on a scratch database, tokens, seed data.

Seed data goes through the public HTTP API (organisations, jobseekers), so the harness follows the
API as it evolves instead of the tables.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from bench.core import BenchContext, free_port
from bench.httpload import Connection
from bench.measurements.http_ceiling import wait_http
from bench.procs import Processes
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer, dev_issuer_dir

ENTRYPOINTS = ("api", "consumer", "relay", "worker")


def referral_env(ctx: BenchContext, database_url: str, task_queue: str, api_port: int) -> dict[str, str]:
    return ctx.service_env(
        RELAIS_REFERRAL_DATABASE_URL=database_url,
        RELAIS_TASK_QUEUE=task_queue,
        RELAIS_REFERRAL_API_PORT=str(api_port),
    )


async def start_referral(
    ctx: BenchContext,
    procs: Processes,
    *,
    database_url: str,
    task_queue: str,
    which: tuple[str, ...] = ENTRYPOINTS,
) -> int:
    """Starts the referral processes (``python -m relais_referral.entrypoints.<name>``); returns the port."""
    port = free_port()
    env = referral_env(ctx, database_url, task_queue, port)
    for name in which:
        procs.start_module(f"referral-{name}", f"relais_referral.entrypoints.{name}", env)
    if "api" in which:
        await wait_http(port, "/ready", procs)
    return port


@dataclass
class Tokens:
    issuer: DevIssuer = field(default_factory=lambda: DevIssuer(dev_issuer_dir(None)))
    _cache: dict[tuple[str, str], str] = field(default_factory=dict)

    def header(
        self, org_id: uuid.UUID, role: str = "counsellor", kind: str = "mission_locale"
    ) -> dict[str, str]:
        key = (str(org_id), role)
        if key not in self._cache:
            self._cache[key] = self.issuer.token(org_id=org_id, org_kind=kind, roles=[role], ttl_s=3600)
        return {"Authorization": f"Bearer {self._cache[key]}"}


@dataclass
class Seed:
    sender: uuid.UUID
    receiver: uuid.UUID
    jobseekers: list[str]


async def create_organisation(
    conn: Connection, tokens: Tokens, org_id: uuid.UUID, name: str, kind: str
) -> None:
    status, body = await conn.json(
        "POST",
        "/v1/organisations",
        {"id": str(org_id), "name": name, "kind": kind, "departement": "44"},
        tokens.header(ReferralSettings().coordination_org_id, "admin"),  # the pact coordination's admin
    )
    if status != 201:
        raise RuntimeError(f"organisation not created: {status} {body}")


async def seed(port: int, tokens: Tokens, jobseekers: int = 50, connections: int = 8) -> Seed:
    """A sending Mission locale with ``jobseekers`` people and a receiving PLIE, through the API."""
    conns = [Connection("127.0.0.1", port) for _ in range(connections)]
    try:
        sender, receiver = uuid.uuid4(), uuid.uuid4()
        await create_organisation(conns[0], tokens, sender, "Bench Mission locale", "mission_locale")
        await create_organisation(conns[0], tokens, receiver, "Bench PLIE", "plie")
        people: list[str] = []

        async def register(conn: Connection, numbers: range) -> None:
            for i in numbers:
                status, body = await conn.json(
                    "POST",
                    "/v1/jobseekers",
                    {
                        "first_name": "Bench",
                        "last_name": f"Person {i}",
                        "birth_date": "1990-01-01",
                        "postcode": "44000",
                    },
                    tokens.header(sender),
                )
                if status != 201:
                    raise RuntimeError(f"jobseeker not created: {status} {body}")
                people.append(body["id"])

        # Several connections at once: seeding is set-up, not measured, and the run is time-boxed.
        await asyncio.gather(*(register(c, range(n, jobseekers, connections)) for n, c in enumerate(conns)))
        return Seed(sender, receiver, people)
    finally:
        for conn in conns:
            conn.close()
