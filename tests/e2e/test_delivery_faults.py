"""Delivery under the faults of a PostgreSQL restart, a second relay, an oversized event and a
schema-invalid event, with every referral process running against the real stack."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from typing import Any

import asyncpg
import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import eventually as _eventually
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.dlq import read_dead_letters
from relais_shared.kafka import read_topic
from relais_shared.outbox import idempotent_producer

pytestmark = pytest.mark.integration
Processes = Any  # the `processes` fixture of conftest.py
TOPIC = "relais.referral.events"
CONSUMERS = ("referral-inbox", "referral-workflow-bridge")


async def eventually(check: Any, what: str, timeout: float = 120) -> Any:
    return await _eventually(check, what, timeout, retry_on=(httpx.HTTPError, asyncpg.PostgresError))


class Pact:
    """Two organisations of a fresh pact and a counsellor's way of referring people between them."""

    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer) -> None:
        self.client, self.issuer = client, issuer
        self.sender, self.receiver = uuid.uuid4(), uuid.uuid4()
        self.failures: list[httpx.Response] = []  # server errors seen while retrying

    def auth(self, org: uuid.UUID, role: str = "counsellor") -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.token(org_id=org, org_kind="plie", roles=[role])}

    async def create(self) -> None:
        await eventually(lambda: _ready(self.client), "referral API ready", 60)
        for org, kind in ((self.sender, "france_travail"), (self.receiver, "plie")):
            created = await self.client.post(
                "/v1/organisations",
                headers=self.auth(ReferralSettings().coordination_org_id, "admin"),
                json={"id": str(org), "name": f"Livraison {kind}", "kind": kind, "departement": "44"},
            )
            assert created.status_code == 201, created.text

    async def refer(self, n: int) -> str:
        """Registers a person and refers them, retrying through outages (the key makes it once)."""
        person = await self._until_created(
            "/v1/jobseekers", {"first_name": "Prénom", "last_name": f"Livraison{n}", "postcode": "44000"}, {}
        )
        referral = await self._until_created(
            "/v1/referrals",
            {"jobseeker_id": person["id"], "receiver_org_id": str(self.receiver), "motive": "Essai"},
            {"Idempotency-Key": f"delivery-{uuid.uuid4()}"},
        )
        return str(referral["id"])

    async def act(self, referral_id: str, action: str) -> None:
        await self._until_ok(f"/v1/referrals/{referral_id}/{action}", self.receiver)

    async def _until_created(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        for _ in range(120):
            try:
                response = await self.client.post(
                    path, json=body, headers={**self.auth(self.sender), **headers}
                )
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 201:
                return response.json()
            if response is not None and response.status_code >= 500:
                self.failures.append(response)
            if response is not None and response.status_code < 500:
                pytest.fail(f"{path}: {response.status_code} {response.text}")
            await asyncio.sleep(0.5)  # the database is restarting
        pytest.fail(f"{path} never succeeded")

    async def _until_ok(self, path: str, org: uuid.UUID) -> None:
        for _ in range(120):
            try:
                response = await self.client.post(path, headers=self.auth(org))
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                return
            if response is not None and response.status_code >= 500:
                self.failures.append(response)
            if response is not None and response.status_code < 500:
                pytest.fail(f"{path}: {response.status_code} {response.text}")
            await asyncio.sleep(0.5)
        pytest.fail(f"{path} never succeeded")


def restart_postgres(stack: Stack) -> None:
    stack._stop_postgres()
    stack._start_postgres()
    stack._wait_postgres()


async def test_referral_events_cross_a_postgres_restart_and_a_second_relay_in_order_and_applied_once(
    stack: Stack, issuer: DevIssuer, processes: Processes
) -> None:
    async with httpx.AsyncClient(base_url=processes.url, timeout=30) as client:
        pact = Pact(client, issuer)
        await pact.create()
        gate = asyncio.Semaphore(8)

        async def refer_and_acknowledge(n: int) -> str:
            async with gate:
                referral_id = await pact.refer(n)
                await pact.act(referral_id, "acknowledge")
                return referral_id

        first = asyncio.gather(*(refer_and_acknowledge(n) for n in range(40)))
        await asyncio.sleep(1)
        await asyncio.to_thread(restart_postgres, stack)  # while referrals are being submitted
        ids = await first
        processes.start("relay", name="relay-2")  # beside the first one, after the restart
        second = await asyncio.gather(*(refer_and_acknowledge(n) for n in range(40, 60)))
        ids += second
        for referral_id in ids[::2]:
            await pact.act(referral_id, "accept")
    # While PostgreSQL was down the API said so: 503 problem+json with Retry-After, never a 500, and
    # logged the outage once instead of a traceback per request.
    assert {r.status_code for r in pact.failures} <= {503}, [r.text for r in pact.failures]
    assert all(r.headers.get("retry-after") for r in pact.failures)
    api_log = (processes.workdir / "referral-api.log").read_text()
    assert "Traceback" not in api_log
    assert (
        api_log.count("a dependency is unavailable") <= 2
    )  # once per outage (the restart, maybe a reconnect)

    conn = await asyncpg.connect(stack.admin_dsn("relais_referral"))
    try:
        rows = await conn.fetch(
            "SELECT key, event_id::text FROM outbox WHERE key = ANY($1::text[]) ORDER BY id", ids
        )
        staged: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            staged[row["key"]].append(row["event_id"])
        assert all(len(staged[r]) >= 2 for r in ids)  # submitted and acknowledged at least
        event_ids = [row["event_id"] for row in rows]

        async def applied_once_by_each_consumer() -> bool:
            counts = await conn.fetch(
                "SELECT consumer, count(*) AS n FROM processed_events WHERE event_id = ANY($1::uuid[]) "
                "GROUP BY consumer",
                event_ids,
            )
            found = {row["consumer"]: row["n"] for row in counts}
            return all(found.get(consumer) == len(event_ids) for consumer in CONSUMERS)

        await eventually(applied_once_by_each_consumer, "every event applied by each consumer")
        holders = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert holders == 1, "after the restart exactly one relay holds the lock"
    finally:
        await conn.close()
    # On the wire an event may appear twice (at-least-once); each referral's events first appear in the
    # order they were committed.
    first_seen: dict[str, list[str]] = defaultdict(list)
    for record in await read_topic(stack.kafka_bootstrap, TOPIC):
        key = record.key.decode() if record.key else ""
        if key in staged:
            event_id = json.loads(record.value)["id"]
            if event_id not in first_seen[key]:
                first_seen[key].append(event_id)
    assert dict(first_seen) == dict(staged)


async def test_an_oversized_row_and_a_schema_invalid_event_stop_nobody_else(
    stack: Stack, issuer: DevIssuer, processes: Processes
) -> None:
    async with httpx.AsyncClient(base_url=processes.url, timeout=30) as client:
        pact = Pact(client, issuer)
        await pact.create()
        blocked = await pact.refer(0)
        conn = await asyncpg.connect(stack.admin_dsn("relais_referral"))
        try:
            # An oversized row as a faulty writer could leave it (add_to_outbox refuses one since).
            oversized = await conn.fetchval(
                "INSERT INTO outbox (event_id, topic, key, event_type, payload) "
                "VALUES ($1, $2, $3, 'referral.acknowledged.v1', $4) RETURNING id",
                uuid.uuid4(),
                TOPIC,
                blocked,
                b"x" * 1_500_000,
            )
            # A valid envelope of a known type whose data breaks its contract, straight onto the topic.
            invalid = {
                "id": str(uuid.uuid4()),
                "type": "referral.submitted.v1",
                "source": "referral",
                "subject": str(uuid.uuid4()),
                "time": "2026-12-05T10:00:00Z",
                "dataschema": "contracts/events/referral/referral.submitted.v1.schema.json",
                "data": {"referral_id": "not-a-uuid", "sender_org_id": 42},
            }
            producer = idempotent_producer(stack.kafka_bootstrap, "test-invalid")
            await producer.start()
            try:
                await producer.send_and_wait(
                    TOPIC, json.dumps(invalid).encode(), key=invalid["subject"].encode()
                )
            finally:
                await producer.stop()
            others = [await pact.refer(n) for n in range(1, 6)]

            async def in_inbox() -> bool:
                page = (
                    await client.get(
                        f"/v1/organisations/{pact.receiver}/inbox", headers=pact.auth(pact.receiver)
                    )
                ).json()
                return set(others) <= {item["referral_id"] for item in page["items"]}

            await eventually(in_inbox, "the other referrals reach the receiver's inbox")
            bad = await conn.fetchrow(
                "SELECT attempts, published_at, last_error FROM outbox WHERE id = $1", oversized
            )
            assert bad["published_at"] is None and bad["attempts"] >= 1
            assert "MessageSizeTooLarge" in bad["last_error"]
            charged = await conn.fetchval(
                "SELECT max(attempts) FROM outbox WHERE key = ANY($1::text[])", others
            )
            assert charged == 1, "the other referrals' rows were charged for the oversized one"
            assert not await conn.fetchval(
                "SELECT count(*) FROM processed_events WHERE event_id = $1::uuid", invalid["id"]
            )
        finally:
            await conn.close()

    for group in CONSUMERS:

        async def dead_lettered(group: str = group) -> bool:
            letters = await read_dead_letters(stack.kafka_bootstrap, f"relais.dlq.{group}")
            return any(invalid["id"].encode() in letter.value for letter in letters)

        await eventually(dead_lettered, f"the invalid event in {group}'s dead-letter topic", 60)
        [letter] = [
            letter
            for letter in await read_dead_letters(stack.kafka_bootstrap, f"relais.dlq.{group}")
            if invalid["id"].encode() in letter.value
        ]
        assert "data breaks the contract of referral.submitted.v1" in letter.error


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200
