"""Function-level authorisation of the clauses API: every route declares its roles, and only those pass.

``RULES`` is the README's table: the first test holds the app's routes to it (a route added without a
rule fails), the walk calls each route with each role and with a role nobody knows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from relais_clauses.app import create_app
from relais_dev.stack import Stack
from relais_dev.testing import app_client, assert_the_role_rule_holds, declared_roles, role_walk
from relais_shared.auth import DevIssuer

pytestmark = pytest.mark.integration

EVERYONE_OF_CLAUSES = frozenset({"facilitator", "buyer", "employer", "coordinator"})
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/v1/counting-rules"): frozenset({"buyer"}),
    ("POST", "/v1/operations"): frozenset({"buyer", "facilitator"}),
    ("POST", "/v1/contracts"): frozenset({"buyer", "facilitator"}),
    ("GET", "/v1/contracts"): EVERYONE_OF_CLAUSES,
    ("GET", "/v1/contracts/{contract_id}"): EVERYONE_OF_CLAUSES,
    ("POST", "/v1/participants/{participant_id}/eligibility"): frozenset({"facilitator"}),
    ("POST", "/v1/contracts/{contract_id}/work-contracts"): frozenset({"facilitator"}),
    ("POST", "/v1/contracts/{contract_id}/hours"): frozenset({"employer", "facilitator"}),
    ("POST", "/v1/contracts/{contract_id}/hours/import"): frozenset({"employer", "facilitator"}),
    ("GET", "/v1/reports/clauses"): EVERYONE_OF_CLAUSES,
    ("GET", "/v1/reports/clauses/summary"): EVERYONE_OF_CLAUSES,
    ("POST", "/v1/contracts/{contract_id}/penalty/observations"): frozenset({"employer"}),
    ("POST", "/v1/contracts/{contract_id}/penalty/decision"): frozenset({"buyer"}),
    ("GET", "/v1/contracts/{contract_id}/obligation"): EVERYONE_OF_CLAUSES,
    ("GET", "/v1/contracts/{contract_id}/work-contracts"): EVERYONE_OF_CLAUSES,
    ("GET", "/v1/contracts/{contract_id}/hours"): EVERYONE_OF_CLAUSES,
    ("GET", "/v1/eligibility-decisions"): frozenset({"facilitator"}),
}


def test_every_route_declares_the_roles_of_the_readme_table() -> None:
    assert declared_roles(create_app(), "/v1/") == RULES


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(), "clauses") as client:
        yield client


@role_walk(RULES)
async def test_a_role_outside_the_routes_rule_gets_403_and_a_role_inside_it_is_not_refused(
    client: httpx.AsyncClient, issuer: DevIssuer, method: str, path: str, role: str
) -> None:
    claims = {"sub": f"user-{role}", "org_id": str(uuid.uuid4()), "org_kind": "employer", "roles": [role]}
    headers = {"Authorization": f"Bearer {issuer.sign(claims)}"}
    url = path.format(contract_id=uuid.uuid4(), participant_id=uuid.uuid4())
    kwargs: dict[str, Any] = {"params": {"year": 2026}} if "reports" in path else {}
    if method == "POST":
        kwargs["json"] = {}
    response = await client.request(method, url, headers=headers, **kwargs)
    assert_the_role_rule_holds(response, role in RULES[(method, path)])
