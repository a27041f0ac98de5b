"""A small pact on the real PostgreSQL: the referral API in-process, with tokens of each organisation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from relais_dev.stack import Stack
from relais_referral.api.app import create_app
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer


@dataclass
class Pact:
    client: httpx.AsyncClient
    issuer: DevIssuer
    orgs: dict[str, uuid.UUID]
    coordination: uuid.UUID
    coordination_email: str | None = None
    people: dict[str, str] = field(default_factory=dict)

    def headers(self, org: str | uuid.UUID, *roles: str, **extra: str) -> dict[str, str]:
        org_id = self.orgs[org] if isinstance(org, str) else org
        token = self.issuer.token(
            org_id=org_id, org_kind="mission_locale", roles=list(roles or ["counsellor"])
        )
        return {"Authorization": f"Bearer {token}", **extra}

    async def post(
        self, path: str, org: str | uuid.UUID, body: Any = None, *roles: str, **headers: str
    ) -> Any:
        return await self.client.post(path, headers=self.headers(org, *roles, **headers), json=body)

    async def get(self, path: str, org: str | uuid.UUID, *roles: str, **params: Any) -> Any:
        return await self.client.get(path, headers=self.headers(org, *roles), params=params)

    async def count(self, model_or_table: Any, *where: Any) -> int:
        app = self.client._transport.app  # type: ignore[attr-defined]
        async with app.state.sessions() as session:
            stmt = select(func.count()).select_from(model_or_table)
            for clause in where:
                stmt = stmt.where(clause)
            return int((await session.execute(stmt)).scalar_one())

    async def meeting_time_comes(self, referral_id: str, at: datetime | None = None) -> None:
        """Time passing: the referral's appointment, fixed ahead, is now (its outcome may be recorded),
        or was ``at``."""
        from datetime import UTC, timedelta

        from relais_referral.db.models import ReferralRow

        app = self.client._transport.app  # type: ignore[attr-defined]
        async with app.state.sessions() as session, session.begin():
            await session.execute(
                update(ReferralRow)
                .where(ReferralRow.id == uuid.UUID(str(referral_id)))
                .values(appointment_at=at or datetime.now(UTC) - timedelta(minutes=1))
            )

    async def person(self, org: str = "mission_locale", last_name: str = "Morel") -> str:
        response = await self.post(
            "/v1/jobseekers",
            org,
            {
                "first_name": "Inès",
                "last_name": last_name,
                "birth_date": "2005-03-14",
                "postcode": "44300",
                "qpv_resident": True,
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def refer(self, person: str, sender: str, receiver: str, **headers: str) -> Any:
        return await self.post(
            "/v1/referrals",
            sender,
            {
                "jobseeker_id": person,
                "receiver_org_id": str(self.orgs[receiver]),
                "motive": "Accompagnement renforcé",
            },
            **headers,
        )


@pytest.fixture
async def pact(stack: Stack, issuer: DevIssuer) -> AsyncIterator[Pact]:
    app = create_app()
    coordination = ReferralSettings().coordination_org_id
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relais") as client,
    ):
        kinds = ["mission_locale", "plie", "cap_emploi", "france_travail", "outsider"]
        orgs = {kind: uuid.uuid4() for kind in kinds}
        pact = Pact(client, issuer, orgs, coordination)
        admin = pact.headers(coordination, "admin")  # the pact coordination administers the directory
        for kind, org in orgs.items():
            response = await client.post(
                "/v1/organisations",
                headers=admin,
                json={
                    "id": str(org),
                    "name": f"Test {kind} {org.hex[:6]}",
                    "kind": "association" if kind == "outsider" else kind,
                    "departement": "44",
                    "contact_email": f"accueil-{org.hex[:6]}@example.org",
                },
            )
            assert response.status_code == 201, response.text
        existing = await client.get(f"/v1/organisations/{coordination}", headers=admin)
        if existing.status_code == 404:
            await client.post(
                "/v1/organisations",
                headers=admin,
                json={
                    "id": str(coordination),
                    "name": "Coordination du pacte",
                    "kind": "pact_coordination",
                    "departement": "44",
                    "contact_email": "coordination@example.org",
                },
            )
        detail = await client.get(f"/v1/organisations/{coordination}", headers=admin)
        if detail.json()["contact_email"] is None:
            # Created without an address by a test of another suite that ran first on this stack: the
            # escalation tests need the coordination to be mailable, whatever the order of the suites.
            from relais_referral.db.models import OrganisationRow

            async with app.state.sessions() as session, session.begin():
                await session.execute(
                    update(OrganisationRow)
                    .where(OrganisationRow.id == coordination)
                    .values(contact_email="coordination@example.org")
                )
            detail = await client.get(f"/v1/organisations/{coordination}", headers=admin)
        pact.coordination_email = detail.json()["contact_email"]  # whoever created it (fixture or demo data)
        yield pact
