"""``Idempotency-Key`` under concurrency: simultaneous requests with one key, on the real PostgreSQL.

The requests go through the whole API in-process (token, validation, handlers) at the same time on one
event loop: each has its own pooled connection and transaction, so they race in PostgreSQL exactly as
two requests to a running API do.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from relais_referral.db.models import ReferralRow, infra

from .conftest import Pact

pytestmark = pytest.mark.integration

ROUNDS = 10
BODY_MOTIVE = "Accompagnement renforcé"


def _body(pact: Pact, person: str, motive: str = BODY_MOTIVE) -> dict[str, str]:
    return {"jobseeker_id": person, "receiver_org_id": str(pact.orgs["plie"]), "motive": motive}


async def test_simultaneous_identical_posts_with_one_key_create_one_referral_and_replay_it(
    pact: Pact,
) -> None:
    for round_ in range(ROUNDS):
        person = await pact.person()
        headers = pact.headers("mission_locale", **{"Idempotency-Key": f"race-{uuid.uuid4()}"})
        first, second = await asyncio.gather(
            pact.client.post("/v1/referrals", headers=headers, json=_body(pact, person)),
            pact.client.post("/v1/referrals", headers=headers, json=_body(pact, person)),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [201, 201], f"round {round_}: {first.text} / {second.text}"
        assert first.json() == second.json()
        replayed = [r.headers.get("idempotent-replayed") for r in (first, second)]
        assert replayed.count("true") == 1, replayed  # one created it, the other replayed its answer
        assert await pact.count(ReferralRow, ReferralRow.jobseeker_id == uuid.UUID(person)) == 1
        assert await pact.count(infra.outbox, infra.outbox.c.key == first.json()["id"]) == 1


async def test_simultaneous_posts_with_one_key_and_different_bodies_create_one_and_refuse_the_other(
    pact: Pact,
) -> None:
    for round_ in range(ROUNDS):
        person = await pact.person()
        headers = pact.headers("mission_locale", **{"Idempotency-Key": f"race-{uuid.uuid4()}"})
        first, second = await asyncio.gather(
            pact.client.post("/v1/referrals", headers=headers, json=_body(pact, person)),
            pact.client.post("/v1/referrals", headers=headers, json=_body(pact, person, "Autre motif")),
        )
        by_status = {r.status_code: r for r in (first, second)}
        assert sorted(by_status) == [201, 422], f"round {round_}: {first.text} / {second.text}"
        assert by_status[422].headers["content-type"] == "application/problem+json"
        assert by_status[422].json()["type"].endswith("/idempotency-key-reused")
        assert await pact.count(ReferralRow, ReferralRow.jobseeker_id == uuid.UUID(person)) == 1
