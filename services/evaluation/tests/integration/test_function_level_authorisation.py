"""Function-level authorisation of the evaluation API: every route declares its roles, and only those pass.

``RULES`` is the README's table: the first test holds the app's routes to it (a route added without a
rule fails), the walk calls each route with each role and with a role nobody knows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import app_client, assert_the_role_rule_holds, declared_roles, role_walk
from relais_evaluation.app import create_app
from relais_shared.auth import DevIssuer

from .synthetic_pact import COORDINATION

pytestmark = pytest.mark.integration

READERS = frozenset({"coordinator", "evaluator"})
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/v1/indicators"): READERS,
    ("GET", "/v1/indicators/{name}"): READERS,
    ("GET", "/v1/indicators/{name}/export"): READERS,
    ("GET", "/v1/exit-definitions"): READERS,
    ("GET", "/v1/exit-situations"): READERS,
    ("POST", "/v1/exit-definitions"): frozenset({"coordinator"}),
    ("POST", "/v1/campaigns"): frozenset({"coordinator"}),
    ("GET", "/v1/campaigns"): READERS,
    ("GET", "/v1/campaigns/{campaign_id}"): READERS,
    ("POST", "/v1/campaigns/{campaign_id}/evaluators"): frozenset({"coordinator"}),
    ("PUT", "/v1/campaigns/{campaign_id}/deadlines"): frozenset({"coordinator"}),
    ("PUT", "/v1/campaigns/{campaign_id}/assessments/{milestone}"): frozenset({"evaluator"}),
    ("GET", "/v1/campaigns/{campaign_id}/assessments/{milestone}"): frozenset({"evaluator"}),
    ("GET", "/v1/campaigns/{campaign_id}/results"): READERS,
    ("POST", "/v1/campaigns/{campaign_id}/close"): frozenset({"coordinator"}),
    ("GET", "/v1/campaigns/{campaign_id}/report.html"): READERS,
    ("GET", "/v1/campaigns/{campaign_id}/report.pdf"): READERS,
}


def test_every_route_declares_the_roles_of_the_readme_table() -> None:
    assert declared_roles(create_app(), "/v1/") == RULES


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(), "evaluation") as client:
        yield client


@role_walk(RULES)
async def test_a_role_outside_the_routes_rule_gets_403_and_a_role_inside_it_is_not_refused(
    client: httpx.AsyncClient, issuer: DevIssuer, method: str, path: str, role: str
) -> None:
    claims = {
        "sub": f"user-{role}",
        "org_id": str(COORDINATION),
        "org_kind": "pact_coordination",
        "roles": [role],
    }
    headers = {"Authorization": f"Bearer {issuer.sign(claims)}"}
    url = path.format(name="referral_funnel", campaign_id=uuid.uuid4(), milestone="final")
    kwargs: dict[str, Any] = {"json": {}} if method in ("POST", "PUT") else {}
    response = await client.request(method, url, headers=headers, **kwargs)
    assert_the_role_rule_holds(response, role in RULES[(method, path)])


def _headers(
    issuer: DevIssuer, org: uuid.UUID, role: str = "coordinator", kind: str = "plie"
) -> dict[str, str]:
    return {"Authorization": "Bearer " + issuer.token(org_id=org, org_kind=kind, roles=[role])}


async def test_another_organisation_reads_only_its_own_figures(
    client: httpx.AsyncClient, issuer: DevIssuer
) -> None:
    plie = uuid.uuid4()
    own = await client.get("/v1/indicators/referral_funnel", headers=_headers(issuer, plie))
    assert own.status_code == 200 and own.json()["organisation"] == str(plie)
    other = await client.get(
        "/v1/indicators/referral_funnel",
        headers=_headers(issuer, plie),
        params={"organisation": str(uuid.uuid4())},
    )
    assert other.status_code == 403
    # Without an organisation to cut by, the figures are everyone's: the pact coordination's alone.
    for name in ("unaccompanied", "unaccompanied_over_time", "orientation_delays"):
        refused = await client.get(f"/v1/indicators/{name}", headers=_headers(issuer, plie, "evaluator"))
        assert refused.status_code == 403, name


async def test_only_the_pact_coordination_adopts_an_exit_definition(
    client: httpx.AsyncClient, issuer: DevIssuer
) -> None:
    body = {
        "code": f"essai-{uuid.uuid4().hex[:6]}",
        "label": "Essai",
        "categories": ["positive", "other"],
        "category_labels": {"positive": "Positive", "other": "Autre"},
        "mapping": {"cdi": "positive", "volunteering": "positive"},
        "default_category": "other",
        "positive": ["positive"],
    }
    refused = await client.post("/v1/exit-definitions", headers=_headers(issuer, uuid.uuid4()), json=body)
    assert refused.status_code == 403
    adopted = await client.post(
        "/v1/exit-definitions", headers=_headers(issuer, COORDINATION, kind="pact_coordination"), json=body
    )
    assert adopted.status_code == 201, adopted.text
    assert adopted.json()["version"] == 1 and adopted.json()["official"] is False
    again = await client.post(
        "/v1/exit-definitions", headers=_headers(issuer, COORDINATION, kind="pact_coordination"), json=body
    )
    assert again.json()["version"] == 2
    broken = await client.post(
        "/v1/exit-definitions",
        headers=_headers(issuer, COORDINATION, kind="pact_coordination"),
        json={**body, "mapping": {"cdi": "employed"}},
    )
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "mapping.cdi"


async def test_an_official_exit_definition_cannot_be_replaced_by_a_version_of_the_pact(
    client: httpx.AsyncClient, issuer: DevIssuer
) -> None:
    coordination = _headers(issuer, COORDINATION, kind="pact_coordination")
    before = (await client.get("/v1/exit-definitions", headers=coordination)).json()
    body = {
        "code": "dares-iae",
        "label": "DARES retouchée",
        "categories": ["positive", "other"],
        "category_labels": {"positive": "Positive", "other": "Autre"},
        "mapping": {"cdi": "positive", "job_search": "positive"},
        "default_category": "other",
        "positive": ["positive"],
    }
    refused = await client.post("/v1/exit-definitions", headers=coordination, json=body)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "code"
    assert (await client.get("/v1/exit-definitions", headers=coordination)).json() == before
