"""The clauses API in-process on the stack's PostgreSQL, with tokens of each role of a small pact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from relais_clauses.app import create_app
from relais_clauses.settings import ClausesSettings
from relais_dev.stack import Stack
from relais_shared.auth import DevIssuer

KINDS = {
    "facilitator": "maison_emploi",
    "buyer": "buyer",
    "employer": "employer",
    "coordinator": "pact_coordination",
}


@dataclass
class Pact:
    client: httpx.AsyncClient
    issuer: DevIssuer
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)

    def headers(self, who: str, role: str | None = None) -> dict[str, str]:
        """``who`` names an organisation of the fixture (its role by default: buyer, facilitator…)."""
        role = role or who.split("-")[0]
        token = self.issuer.token(
            org_id=self.orgs[who], org_kind=KINDS.get(role, "association"), roles=[role]
        )
        return {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, who: str, body: Any, role: str | None = None) -> Any:
        return await self.client.post(path, headers=self.headers(who, role), json=body)

    async def get(self, path: str, who: str, role: str | None = None, **params: Any) -> Any:
        return await self.client.get(path, headers=self.headers(who, role), params=params)

    async def contract(self, **overrides: Any) -> dict[str, Any]:
        operation = await self.post(
            "/v1/operations", "buyer", {"buyer_org_id": str(self.orgs["buyer"]), "name": "Îlot Madeleine"}
        )
        assert operation.status_code == 201, operation.text
        body = {
            "operation_id": operation.json()["id"],
            "reference": "2026-MET-041",
            "legal_basis": "execution_condition",
            "amount": "1850000",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "contractor_org_id": str(self.orgs["employer"]),
            "contractor_siret": "73282932000074",
            "facilitator_org_id": str(self.orgs["facilitator"]),
            "hours_required": "1000",
            "hours_mandatory": "800",
            "penalty_rule": "per_missing_hour",
            "penalty_hourly_amount": "45",
            **overrides,
        }
        created = await self.post("/v1/contracts", "buyer", body)
        assert created.status_code == 201, created.text
        return dict(created.json())

    async def eligible(self, participant: uuid.UUID, decided_on: str = "2026-02-01", **extra: Any) -> Any:
        body = {
            "decided_on": decided_on,
            "proofs": [
                {
                    "criterion": "rsa",
                    "method": "document_seen",
                    "proved_on": "2026-01-20",
                    "reference": "CAF-2026-01",
                }
            ],
            "sex": "F",
            "age_band": "26_49",
            "qpv_resident": True,
            **extra,
        }
        return await self.post(f"/v1/participants/{participant}/eligibility", "facilitator", body)

    async def hired(self, contract: str) -> tuple[uuid.UUID, str]:
        """A new participant, found eligible, hired on ``contract``: their id and the work contract's."""
        person = uuid.uuid4()
        assert (await self.eligible(person)).status_code == 201
        hired = await self.hire(contract, person)
        assert hired.status_code == 201, hired.text
        return person, str(hired.json()["id"])

    async def hire(
        self, contract: str, participant: uuid.UUID, starts_on: str = "2026-02-02", **extra: Any
    ) -> Any:
        body = {
            "participant_id": str(participant),
            "mode": "direct_hire",
            "contract_type": "CDD",
            "starts_on": starts_on,
            "employer_siret": "73282932000074",
            **extra,
        }
        return await self.post(f"/v1/contracts/{contract}/work-contracts", "facilitator", body)


@pytest.fixture
async def pact(stack: Stack, issuer: DevIssuer) -> AsyncIterator[Pact]:
    app = create_app()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://clauses") as client,
    ):
        pact = Pact(client, issuer)
        for name in (
            "buyer",
            "facilitator",
            "employer",
            "buyer-other",
            "facilitator-other",
            "employer-other",
        ):
            pact.orgs[name] = uuid.uuid4()
        pact.orgs["coordinator"] = ClausesSettings().coordination_org_id
        yield pact
