"""The directory's services on the data·inclusion schema, its import and export, and the suggestions
for a person's need — on a database of their own, so the order of the suggestions is the fixture's."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from relais_referral.api.app import create_app
from relais_referral.demo import load_demo_data
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration
SERVICE_DIR = Path(__file__).resolve().parents[2]
NANTES, REZE, SAINT_NAZAIRE, ANGERS = "44109", "44143", "44184", "49007"
NANTES_METROPOLE = "244400404"


@dataclass
class Directory:
    client: httpx.AsyncClient
    issuer: DevIssuer
    settings: ReferralSettings

    def headers(self, org: uuid.UUID, *roles: str) -> dict[str, str]:
        token = self.issuer.token(org_id=org, org_kind="mission_locale", roles=list(roles or ["counsellor"]))
        return {"Authorization": f"Bearer {token}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.headers(self.settings.coordination_org_id, "admin")

    async def organisation(self, name: str, kind: str = "association") -> uuid.UUID:
        org = uuid.uuid4()
        response = await self.client.post(
            "/v1/organisations",
            headers=self.admin,
            json={"id": str(org), "name": name, "kind": kind, "departement": "44"},
        )
        assert response.status_code == 201, response.text
        return org

    async def service(self, org: uuid.UUID, capacity: str = "open", **fields: Any) -> dict[str, Any]:
        body = {"description": f"{fields['nom']} : service de test", **fields}
        response = await self.client.post(
            f"/v1/organisations/{org}/services",
            headers=self.headers(org),
            json={"service": body, "capacity_status": capacity},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
async def empty_directory(scratch_database: str, issuer: DevIssuer) -> AsyncIterator[Directory]:
    """The referral API on a database migrated just now, with no organisation at all."""
    await asyncio.to_thread(upgrade_head, SERVICE_DIR, scratch_database)
    settings = ReferralSettings(database_url=scratch_database)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relais") as client,
    ):
        yield Directory(client, issuer, settings)


@pytest.fixture
async def directory(empty_directory: Directory) -> Directory:
    """... with the pact coordination, whose administrators manage the directory."""
    directory, settings, client = empty_directory, empty_directory.settings, empty_directory.client
    response = await client.post(
        "/v1/organisations",
        headers=directory.admin,
        json={
            "id": str(settings.coordination_org_id),
            "name": "Coordination du pacte",
            "kind": "pact_coordination",
            "departement": "44",
        },
    )
    assert response.status_code == 201, response.text
    return directory


# The fixture: mobility services around a young woman of Nantes (postcode 44300), with the expected
# order of the suggestions for her need « mobilité ». ``None``: must not be suggested, and why.
MOBILITY = ["mobilite--acceder-a-un-vehicule"]
FIXTURE: list[tuple[str, dict[str, Any], int | None]] = [
    ("Atelier vélo Nantes Nord", {"code_insee": NANTES, "latitude": 47.25, "longitude": -1.55}, 1),
    ("Autopartage Nantes Sud", {"code_insee": NANTES, "latitude": 47.20, "longitude": -1.55}, 2),
    ("Conseil mobilité à distance", {"zone_eligibilite": [NANTES_METROPOLE]}, 3),  # zone: same EPCI
    ("Garage solidaire de Rezé", {"code_insee": REZE}, 4),  # same EPCI
    ("Permis à Saint-Nazaire", {"code_insee": SAINT_NAZAIRE, "publics": ["jeunes"]}, 5),  # same département
    ("Scooters d'Angers", {"code_insee": ANGERS, "publics": ["tous-publics"]}, 6),  # elsewhere
    ("Cyclo-atelier de Nantes (complet)", {"code_insee": NANTES, "_capacity": "full"}, 7),  # full: last
    ("Transport des seniors de Nantes", {"code_insee": NANTES, "publics": ["seniors"]}, None),  # public
    ("Vélos des Angevins", {"code_insee": ANGERS, "zone_eligibilite": ["49"]}, None),  # not eligible
    ("Garde d'enfants de Nantes", {"code_insee": NANTES, "thematiques": ["famille--garde-denfants"]}, None),
]


async def _person_with_need(directory: Directory, org: uuid.UUID, need: str) -> tuple[str, str]:
    person = await directory.client.post(
        "/v1/jobseekers",
        headers=directory.headers(org),
        json={
            "first_name": "Inès",
            "last_name": "Morel",
            "birth_date": "2005-03-14",
            "postcode": "44300",
            "sex": "F",
        },
    )
    assert person.status_code == 201, person.text
    jobseeker = person.json()["id"]
    recorded = await directory.client.post(
        f"/v1/jobseekers/{jobseeker}/needs", headers=directory.headers(org), json={"thematique": need}
    )
    assert recorded.status_code == 201, recorded.text
    return jobseeker, recorded.json()["id"]


async def test_suggestions_for_a_need_come_nearest_first_for_the_persons_publics_and_full_last(
    directory: Directory,
) -> None:
    provider = await directory.organisation("Réseau mobilité 44")
    for name, extra, _ in FIXTURE:
        fields = {"thematiques": MOBILITY, **extra}
        capacity = fields.pop("_capacity", "open")
        await directory.service(provider, capacity, nom=name, **fields)
    counsellor = await directory.organisation("Mission locale de test", "mission_locale")
    jobseeker, need = await _person_with_need(directory, counsellor, "mobilite")

    url = f"/v1/jobseekers/{jobseeker}/needs/{need}/suggestions"
    near_nantes_sud = {"lat": 47.205, "lon": -1.55}
    found = (
        await directory.client.get(url, headers=directory.headers(counsellor), params=near_nantes_sud)
    ).json()

    expected = [name for name, _, rank in sorted(FIXTURE, key=lambda f: f[2] or 0) if rank is not None]
    expected[0], expected[1] = expected[1], expected[0]  # with a point given, the nearer of the two first
    assert [item["name"] for item in found["items"]] == expected
    nearness = {item["name"]: item["nearness"] for item in found["items"]}
    assert nearness["Conseil mobilité à distance"] == "SAME_EPCI"
    assert nearness["Permis à Saint-Nazaire"] == "SAME_DEPARTEMENT"
    assert nearness["Scooters d'Angers"] == "ELSEWHERE"
    assert found["items"][-1]["capacity_status"] == "full"
    assert found["items"][0]["distance_km"] < found["items"][1]["distance_km"]

    without_point = (await directory.client.get(url, headers=directory.headers(counsellor))).json()
    assert [item["name"] for item in without_point["items"]][:2] == [
        "Atelier vélo Nantes Nord",
        "Autopartage Nantes Sud",
    ]


async def test_a_full_organisation_makes_its_services_come_last(directory: Directory) -> None:
    near, far = await directory.organisation("Près"), await directory.organisation("Loin")
    await directory.service(near, nom="Vélo tout près", thematiques=MOBILITY, code_insee=NANTES)
    await directory.service(far, nom="Vélo à Angers", thematiques=MOBILITY, code_insee=ANGERS)
    full = await directory.client.put(
        f"/v1/organisations/{near}/capacity",
        headers=directory.headers(near),
        json={"capacity_status": "full"},
    )
    assert full.status_code == 200, full.text
    counsellor = await directory.organisation("Mission locale", "mission_locale")
    jobseeker, need = await _person_with_need(directory, counsellor, "mobilite--acceder-a-un-vehicule")
    found = await directory.client.get(
        f"/v1/jobseekers/{jobseeker}/needs/{need}/suggestions", headers=directory.headers(counsellor)
    )
    assert [(i["name"], i["capacity_status"]) for i in found.json()["items"]] == [
        ("Vélo à Angers", "open"),
        ("Vélo tout près", "full"),
    ]


async def test_a_service_outside_the_national_schema_is_refused_and_nothing_is_written(
    directory: Directory,
) -> None:
    org = await directory.organisation("Structure de test")
    refused = await directory.client.post(
        f"/v1/organisations/{org}/services",
        headers=directory.headers(org),
        json={"service": {"nom": "Garde", "description": "Garde d'enfants", "thematiques": ["garde"]}},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].startswith("thematiques") for e in refused.json()["errors"])
    listed = await directory.client.get(
        "/v1/directory/services", headers=directory.admin, params={"organisation_id": str(org)}
    )
    assert listed.json()["total"] == 0


async def test_another_organisations_counsellor_cannot_describe_its_services(directory: Directory) -> None:
    owner, other = await directory.organisation("Propriétaire"), await directory.organisation("Autre")
    refused = await directory.client.post(
        f"/v1/organisations/{owner}/services",
        headers=directory.headers(other),
        json={"service": {"nom": "Intrus", "description": "Service d'un autre", "thematiques": MOBILITY}},
    )
    assert refused.status_code == 403


async def test_the_demo_directory_exported_re_imports_identically(empty_directory: Directory) -> None:
    directory = empty_directory
    await load_demo_data(directory.settings, jobseekers=0)
    first = await directory.client.get("/v1/directory/export", headers=directory.admin)
    assert first.status_code == 200
    exported = first.json()
    assert len(exported["services"]) >= 10 and len(exported["structures"]) >= 15

    imported = await directory.client.post("/v1/directory/import", headers=directory.admin, json=exported)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {
        "structures_added": 0,
        "structures_updated": len(exported["structures"]),
        "services_added": 0,
        "services_updated": len(exported["services"]),
    }
    again = await directory.client.get("/v1/directory/export", headers=directory.admin)
    assert again.json() == exported


async def test_a_file_with_one_invalid_service_imports_nothing_and_names_it(
    empty_directory: Directory,
) -> None:
    directory = empty_directory
    await load_demo_data(directory.settings, jobseekers=0)
    exported = (await directory.client.get("/v1/directory/export", headers=directory.admin)).json()
    broken = copy.deepcopy(exported)
    broken["services"][3]["thematiques"] = ["garde-enfants"]
    new_structure = {
        "source": "dora",
        "id": "dora-42",
        "nom": "Nouvelle structure",
        "date_maj": "2026-11-30",
        "code_postal": "44000",
    }
    new_service = {
        **copy.deepcopy(exported["services"][0]),
        "source": "dora",
        "id": "dora-svc-1",
        "structure_id": "dora-42",
        "nom": "Service valide mais dans un fichier refusé",
    }
    broken["structures"].append(new_structure)
    broken["services"].append(new_service)

    refused = await directory.client.post("/v1/directory/import", headers=directory.admin, json=broken)
    assert refused.status_code == 422
    named = [e["field"] for e in refused.json()["errors"]]
    assert named and all(
        field.startswith(f"services[3] ({exported['services'][3]['id']})") for field in named
    )
    after = (await directory.client.get("/v1/directory/export", headers=directory.admin)).json()
    assert after == exported  # the valid new structure and service were not imported either

    fixed = copy.deepcopy(broken)
    fixed["services"][3] = exported["services"][3]
    accepted = await directory.client.post("/v1/directory/import", headers=directory.admin, json=fixed)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["structures_added"] == 1 and accepted.json()["services_added"] == 1


async def test_only_the_pact_administrators_import_the_directory(directory: Directory) -> None:
    org = await directory.organisation("Structure")
    as_counsellor = await directory.client.post(
        "/v1/directory/import", headers=directory.headers(org), json={"structures": [], "services": []}
    )
    as_other_admin = await directory.client.post(
        "/v1/directory/import",
        headers=directory.headers(org, "admin"),
        json={"structures": [], "services": []},
    )
    assert (as_counsellor.status_code, as_other_admin.status_code) == (403, 403)
