"""The referral API in-process, against the real PostgreSQL of the local stack."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from relais_dev.stack import Stack
from relais_referral.api.app import create_app
from relais_referral.db.models import ReferralRow, infra
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer

pytestmark = pytest.mark.integration


@dataclass
class Pact:
    client: httpx.AsyncClient
    issuer: DevIssuer
    sender: uuid.UUID
    receiver: uuid.UUID
    outsider: uuid.UUID
    jobseeker_id: str

    def headers(self, org: uuid.UUID, *roles: str, **extra: str) -> dict[str, str]:
        token = self.issuer.token(org_id=org, org_kind="mission_locale", roles=list(roles or ["counsellor"]))
        return {"Authorization": f"Bearer {token}", **extra}

    async def count(self, model_or_table, *where) -> int:  # type: ignore[no-untyped-def]
        app = self.client._transport.app  # type: ignore[attr-defined]
        async with app.state.sessions() as session:
            stmt = select(func.count()).select_from(model_or_table)
            for clause in where:
                stmt = stmt.where(clause)
            return int((await session.execute(stmt)).scalar_one())


@pytest.fixture
async def pact(stack: Stack, issuer: DevIssuer) -> AsyncIterator[Pact]:
    app = create_app()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relais") as client,
    ):
        orgs = [uuid.uuid4() for _ in range(3)]
        admin = {
            "Authorization": "Bearer "
            + issuer.token(
                org_id=ReferralSettings().coordination_org_id, org_kind="pact_coordination", roles=["admin"]
            )
        }
        for org, kind in zip(orgs, ["mission_locale", "plie", "cap_emploi"], strict=True):
            response = await client.post(
                "/v1/organisations",
                headers=admin,
                json={
                    "id": str(org),
                    "name": f"Test {kind} {org.hex[:6]}",
                    "kind": kind,
                    "departement": "44",
                },
            )
            assert response.status_code == 201, response.text
        pact = Pact(client, issuer, orgs[0], orgs[1], orgs[2], "")
        response = await client.post(
            "/v1/jobseekers",
            headers=pact.headers(orgs[0]),
            json={
                "first_name": "Inès",
                "last_name": "Morel",
                "birth_date": "2005-03-14",
                "postcode": "44300",
                "qpv_resident": True,
            },
        )
        assert response.status_code == 201, response.text
        pact.jobseeker_id = response.json()["id"]
        yield pact


def referral_body(pact: Pact, motive: str = "Accompagnement renforcé") -> dict[str, str]:
    return {"jobseeker_id": pact.jobseeker_id, "receiver_org_id": str(pact.receiver), "motive": motive}


async def test_a_referral_and_its_event_commit_together(pact: Pact) -> None:
    response = await pact.client.post(
        "/v1/referrals", headers=pact.headers(pact.sender), json=referral_body(pact)
    )
    assert response.status_code == 201
    referral = response.json()
    assert referral["status"] == "submitted"
    assert referral["status_label"] == "Envoyée"
    assert response.headers["location"].endswith(referral["id"])
    assert (
        await pact.count(
            infra.outbox,
            infra.outbox.c.key == referral["id"],
            infra.outbox.c.event_type == "referral.submitted.v1",
        )
        == 1
    )


async def test_the_same_post_with_the_same_idempotency_key_creates_one_referral(pact: Pact) -> None:
    headers = pact.headers(pact.sender, **{"Idempotency-Key": f"retry-{uuid.uuid4()}"})
    first = await pact.client.post("/v1/referrals", headers=headers, json=referral_body(pact))
    second = await pact.client.post("/v1/referrals", headers=headers, json=referral_body(pact))
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    jobseeker = uuid.UUID(pact.jobseeker_id)
    assert await pact.count(ReferralRow, ReferralRow.jobseeker_id == jobseeker) == 1
    assert await pact.count(infra.outbox, infra.outbox.c.key == first.json()["id"]) == 1


async def test_an_idempotency_key_reused_for_another_body_is_refused_and_creates_nothing(pact: Pact) -> None:
    headers = pact.headers(pact.sender, **{"Idempotency-Key": f"reuse-{uuid.uuid4()}"})
    assert (
        await pact.client.post("/v1/referrals", headers=headers, json=referral_body(pact))
    ).status_code == 201
    other = await pact.client.post("/v1/referrals", headers=headers, json=referral_body(pact, "Autre motif"))
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await pact.count(ReferralRow, ReferralRow.jobseeker_id == uuid.UUID(pact.jobseeker_id)) == 1


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"])
async def test_a_request_without_a_valid_token_gets_401(pact: Pact, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await pact.client.post("/v1/referrals", headers=headers, json=referral_body(pact))
    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_uninvolved_organisation_gets_404_on_the_referral_and_the_jobseeker_and_is_audited(
    pact: Pact,
) -> None:
    created = await pact.client.post(
        "/v1/referrals", headers=pact.headers(pact.sender), json=referral_body(pact)
    )
    referral_id = created.json()["id"]
    for org in (pact.sender, pact.receiver):
        assert (
            await pact.client.get(f"/v1/referrals/{referral_id}", headers=pact.headers(org))
        ).status_code == 200
    refused = await pact.client.get(f"/v1/referrals/{referral_id}", headers=pact.headers(pact.outsider))
    assert refused.status_code == 404
    assert refused.json()["type"].endswith("/not-found")
    person = await pact.client.get(f"/v1/jobseekers/{pact.jobseeker_id}", headers=pact.headers(pact.outsider))
    assert person.status_code == 404
    audit = infra.audit_log.c
    assert (
        await pact.count(infra.audit_log, audit.resource_id == referral_id, audit.outcome == "refused") == 1
    )
    assert (
        await pact.count(
            infra.audit_log,
            audit.resource_id == pact.jobseeker_id,
            audit.outcome == "refused",
            audit.action == "read",
        )
        == 1
    )


async def test_the_receiving_organisation_sees_the_person_once_referred_and_every_read_is_audited(
    pact: Pact,
) -> None:
    before = await pact.client.get(f"/v1/jobseekers/{pact.jobseeker_id}", headers=pact.headers(pact.receiver))
    assert before.status_code == 404
    await pact.client.post("/v1/referrals", headers=pact.headers(pact.sender), json=referral_body(pact))
    after = await pact.client.get(f"/v1/jobseekers/{pact.jobseeker_id}", headers=pact.headers(pact.receiver))
    assert after.status_code == 200
    assert after.json()["last_name"] == "Morel"
    audit = infra.audit_log.c
    assert (
        await pact.count(
            infra.audit_log,
            audit.resource_id == pact.jobseeker_id,
            audit.action == "read",
            audit.outcome == "allowed",
            audit.actor_org_id == pact.receiver,
        )
        == 1
    )


async def test_coordinators_and_evaluators_never_get_identity_data(pact: Pact) -> None:
    for role in ("coordinator", "evaluator"):
        response = await pact.client.get(
            f"/v1/jobseekers/{pact.jobseeker_id}", headers=pact.headers(pact.sender, role)
        )
        assert response.status_code == 403  # refused for the role, before the person is even looked up
        assert "Morel" not in response.text


async def test_only_counsellors_submit_referrals(pact: Pact) -> None:
    response = await pact.client.post(
        "/v1/referrals", headers=pact.headers(pact.sender, "evaluator"), json=referral_body(pact)
    )
    assert response.status_code == 403
    assert response.json()["title"] == "Action non autorisée pour votre rôle"


async def test_invalid_bodies_get_field_level_problems_and_write_nothing(pact: Pact) -> None:
    response = await pact.client.post(
        "/v1/referrals", headers=pact.headers(pact.sender), json={"jobseeker_id": "nope", "motive": ""}
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"jobseeker_id", "receiver_org_id", "motive"}
    self_referral = await pact.client.post(
        "/v1/referrals",
        headers=pact.headers(pact.sender),
        json={**referral_body(pact), "receiver_org_id": str(pact.sender)},
    )
    assert self_referral.status_code == 422
    assert await pact.count(ReferralRow, ReferralRow.jobseeker_id == uuid.UUID(pact.jobseeker_id)) == 0


async def test_an_inbox_is_visible_to_its_own_organisation_only(pact: Pact) -> None:
    own = await pact.client.get(
        f"/v1/organisations/{pact.receiver}/inbox", headers=pact.headers(pact.receiver)
    )
    assert own.status_code == 200
    assert own.json()["total"] == 0
    other = await pact.client.get(
        f"/v1/organisations/{pact.receiver}/inbox", headers=pact.headers(pact.sender)
    )
    assert other.status_code == 404
