"""Across services, every process running on the real Kafka, Temporal and PostgreSQL: a facilitator refers a
person to a contractor, validates their eligibility, records the hire — and the referral service takes
the referral in charge (accepted) and the person's journey shows the hire."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, eventually
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer

pytestmark = pytest.mark.integration


@pytest.fixture
def services(stack: Stack, tmp_path: Path) -> Iterator[tuple[ServiceProcesses, ServiceProcesses]]:
    referral = ServiceProcesses("referral", stack, tmp_path)
    clauses = ServiceProcesses("clauses", stack, tmp_path)
    for group in (referral, clauses):
        group.start_all()
    try:
        yield referral, clauses
    finally:
        for group in (referral, clauses):
            group.stop_all()


async def test_a_hire_under_a_clause_takes_the_referral_in_charge_and_shows_in_the_journey(
    issuer: DevIssuer, services: tuple[ServiceProcesses, ServiceProcesses]
) -> None:
    referral_api, clauses_api = services
    facilitator, employer, buyer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def auth(org: uuid.UUID, role: str, kind: str = "maison_emploi") -> dict[str, str]:
        return {"Authorization": "Bearer " + issuer.token(org_id=org, org_kind=kind, roles=[role])}

    async with httpx.AsyncClient(timeout=10) as client:
        await eventually(lambda: referral_api.ready(client), "referral API ready")
        await eventually(lambda: clauses_api.ready(client), "clauses API ready")
        r, c = referral_api.url, clauses_api.url
        admin = auth(ReferralSettings().coordination_org_id, "admin", "pact_coordination")
        for org, kind, name in (
            (facilitator, "maison_emploi", "Maison de l'emploi"),
            (employer, "employer", "BTP Ouest"),
        ):
            created = await client.post(
                f"{r}/v1/organisations",
                headers=admin,
                json={"id": str(org), "name": name, "kind": kind, "departement": "44"},
            )
            assert created.status_code == 201, created.text
        person = (
            await client.post(
                f"{r}/v1/jobseekers",
                headers=auth(facilitator, "counsellor"),
                json={
                    "first_name": "Karim",
                    "last_name": "Benali",
                    "birth_date": "1988-04-12",
                    "postcode": "44100",
                },
            )
        ).json()["id"]
        referral = await client.post(
            f"{r}/v1/referrals",
            headers=auth(facilitator, "counsellor"),
            json={
                "jobseeker_id": person,
                "receiver_org_id": str(employer),
                "motive": "Candidat clause d'insertion",
            },
        )
        assert referral.status_code == 201, referral.text

        operation = await client.post(
            f"{c}/v1/operations",
            headers=auth(buyer, "buyer", "buyer"),
            json={"buyer_org_id": str(buyer), "name": "ZAC"},
        )
        contract = await client.post(
            f"{c}/v1/contracts",
            headers=auth(buyer, "buyer", "buyer"),
            json={
                "operation_id": operation.json()["id"],
                "reference": "E2E-1",
                "legal_basis": "execution_condition",
                "amount": "500000",
                "starts_on": "2026-01-01",
                "ends_on": "2027-12-31",
                "contractor_org_id": str(employer),
                "contractor_siret": "73282932000074",
                "facilitator_org_id": str(facilitator),
                "hours_required": "2000",
                "hours_mandatory": "2000",
            },
        )
        assert contract.status_code == 201, contract.text
        eligible = await client.post(
            f"{c}/v1/participants/{person}/eligibility",
            headers=auth(facilitator, "facilitator"),
            json={
                "decided_on": "2026-11-30",
                "proofs": [
                    {
                        "criterion": "long_term_jobseeker",
                        "method": "certified",
                        "proved_on": "2026-11-28",
                        "reference": "FT",
                    }
                ],
            },
        )
        assert eligible.status_code == 201, eligible.text
        hired = await client.post(
            f"{c}/v1/contracts/{contract.json()['id']}/work-contracts",
            headers=auth(facilitator, "facilitator"),
            json={
                "participant_id": person,
                "mode": "direct_hire",
                "contract_type": "CDD",
                "starts_on": "2026-12-01",
                "employer_siret": "73282932000074",
                "weekly_hours": "35",
            },
        )
        assert hired.status_code == 201, hired.text

        async def accepted() -> dict[str, Any] | None:
            found = await client.get(
                f"{r}/v1/referrals/{referral.json()['id']}", headers=auth(facilitator, "counsellor")
            )
            return found.json() if found.status_code == 200 and found.json()["status"] == "accepted" else None

        await eventually(accepted, "the referral to the contractor taken in charge", timeout=60)
        journey = (
            await client.get(
                f"{r}/v1/jobseekers/{person}/journey", headers=auth(employer, "counsellor", "employer")
            )
        ).json()
        kinds = [line["kind"] for line in journey["history"]]
        assert "referral_accepted" in kinds and "life_event_hired" in kinds, kinds
