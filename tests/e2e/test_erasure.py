"""Erasure of a person, end to end on the real stack (issue 10's acceptance): the identity is gone from the
referral service's tables, ``jobseeker.erased.v1`` is read from Kafka with the opaque id only, and the
export of that person is then refused."""

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import eventually
from relais_referral.events.contracts import TOPIC
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.kafka import read_topic
from relais_shared.outbox import asyncpg_dsn

pytestmark = pytest.mark.integration

LAST_NAME = f"Effacé{uuid.uuid4().hex[:8]}"  # a name no other test writes, looked for in every table
MOTIVE = f"Motif à effacer {uuid.uuid4().hex[:8]}"


async def test_an_erased_person_is_gone_from_the_tables_announced_on_kafka_and_no_longer_exported(
    stack: Stack, issuer: DevIssuer, referral_processes: tuple[str, Path]
) -> None:
    base_url, _ = referral_processes
    referent, plie, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def auth(org_id: uuid.UUID, role: str = "counsellor") -> dict[str, str]:
        token = issuer.token(org_id=org_id, org_kind="mission_locale", roles=[role])
        return {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def ready() -> bool:
            try:
                return (await client.get("/ready")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, "referral API ready")
        admin = auth(ReferralSettings().coordination_org_id, "admin")
        for org, kind in ((referent, "mission_locale"), (plie, "plie"), (other, "cap_emploi")):
            created = await client.post(
                "/v1/organisations",
                headers=admin,
                json={"id": str(org), "name": f"E2E {kind} {org.hex[:6]}", "kind": kind, "departement": "44"},
            )
            assert created.status_code == 201, created.text
        registered = await client.post(
            "/v1/jobseekers",
            headers=auth(referent),
            json={
                "first_name": "Maëlle",
                "last_name": LAST_NAME,
                "birth_date": "1991-07-08",
                "postcode": "44200",
                "email": "maelle@example.org",
                "phone": "0611223344",
            },
        )
        assert registered.status_code == 201, registered.text
        person = registered.json()["id"]
        referral = await client.post(
            "/v1/referrals",
            headers={**auth(referent), "Idempotency-Key": uuid.uuid4().hex},
            json={"jobseeker_id": person, "receiver_org_id": str(plie), "motive": MOTIVE},
        )
        assert referral.status_code == 201, referral.text
        referral_id = referral.json()["id"]
        # An open referral stops the erasure; once withdrawn, the référent erases.
        refused = await client.post(f"/v1/jobseekers/{person}/erasure", headers=auth(referent))
        assert refused.status_code == 409, refused.text
        withdrawn = await client.post(
            f"/v1/referrals/{referral_id}/withdraw", headers=auth(referent), json={}
        )
        assert withdrawn.status_code == 200, withdrawn.text
        export = await client.get(f"/v1/jobseekers/{person}/export", headers=auth(referent))
        assert export.status_code == 200 and export.json()["referrals"][0]["motive"] == MOTIVE

        erased = await client.post(f"/v1/jobseekers/{person}/erasure", headers=auth(referent))
        assert erased.status_code == 200, erased.text

        # The export is then refused: 410 to the référent, 404 to anyone else (who learns nothing).
        for path in (f"/v1/jobseekers/{person}/export", f"/v1/jobseekers/{person}/export.pdf"):
            gone = await client.get(path, headers=auth(referent))
            assert gone.status_code == 410, gone.text
            assert gone.headers["content-type"] == "application/problem+json"
            assert (await client.get(path, headers=auth(other))).status_code == 404
        # And the person appears nowhere: not as a person, not as a journey, not for their needs.
        for path in (
            f"/v1/jobseekers/{person}",
            f"/v1/jobseekers/{person}/journey",
            f"/v1/jobseekers/{person}/needs",
        ):
            assert (await client.get(path, headers=auth(referent))).status_code == 404, path

    # The referral service's tables: identity and free texts gone, the opaque facts kept.
    conn = await asyncpg.connect(asyncpg_dsn(stack.database_url("referral")))
    try:
        row = await conn.fetchrow("SELECT * FROM jobseekers WHERE id = $1", uuid.UUID(person))
        assert row is not None and row["erased_at"] is not None
        assert (row["first_name"], row["last_name"], row["birth_date"], row["email"], row["phone"]) == (
            "",
            "",
            None,
            None,
            None,
        )
        assert (row["postcode"], row["referent_org_id"]) == ("44200", referent)
        motive = await conn.fetchval("SELECT motive FROM referrals WHERE id = $1", uuid.UUID(referral_id))
        assert motive == ""
        for table, columns in (
            ("jobseekers", "first_name || last_name || coalesce(email, '')"),
            ("referrals", "motive || coalesce(refusal_comment, '')"),
            ("idempotency_keys", "response::text"),
        ):
            found = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE {columns} LIKE $1 OR {columns} LIKE $2",  # noqa: S608
                f"%{LAST_NAME}%",
                f"%{MOTIVE}%",
            )
            assert found == 0, table
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log"
            " WHERE action = 'erase' AND outcome = 'allowed' AND resource_id = $1",
            person,
        )
        assert audited == 1
    finally:
        await conn.close()

    async def erased_on_the_topic() -> list[dict[str, Any]] | None:
        records = [json.loads(r.value) for r in await read_topic(stack.kafka_bootstrap, TOPIC)]
        found = [r for r in records if r["subject"] == person and r["type"] == "jobseeker.erased.v1"]
        return found or None

    [event] = await eventually(erased_on_the_topic, "jobseeker.erased.v1 on Kafka", timeout=30)
    assert event["data"].keys() == {"jobseeker_id", "erased_at", "reason"}
    assert event["data"]["jobseeker_id"] == person and event["data"]["reason"] == "request"
    assert LAST_NAME not in json.dumps(event)
