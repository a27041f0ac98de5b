"""Function-level authorisation of the training API: every route declares its roles, and only those pass."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import app_client, assert_the_role_rule_holds, declared_roles, role_walk
from relais_shared.auth import ROLES, DevIssuer
from relais_training.app import create_app

pytestmark = pytest.mark.integration

PROVIDER = frozenset({"training_provider"})
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/v1/offers"): PROVIDER,
    ("GET", "/v1/offers"): frozenset(ROLES),
    ("POST", "/v1/sessions"): PROVIDER,
    ("GET", "/v1/sessions"): frozenset(ROLES),
    ("GET", "/v1/sessions/{session_id}"): frozenset(ROLES),
    ("GET", "/v1/sessions/{session_id}/attendance"): PROVIDER,
    ("POST", "/v1/sessions/{session_id}/enrolments"): PROVIDER,
    ("GET", "/v1/sessions/{session_id}/enrolments"): PROVIDER,
    ("POST", "/v1/enrolments/{enrolment_id}/cancel"): PROVIDER,
    ("POST", "/v1/sessions/{session_id}/attendance"): PROVIDER,
    ("POST", "/v1/enrolments/{enrolment_id}/complete"): PROVIDER,
    ("POST", "/v1/enrolments/{enrolment_id}/abandon"): PROVIDER,
    ("POST", "/v1/sessions/{session_id}/cancel"): PROVIDER,
    ("POST", "/v1/sessions/{session_id}/finish"): PROVIDER,
    ("GET", "/v1/referrals/{referral_id}/enrolment"): frozenset({"counsellor", "training_provider"}),
}


def test_every_route_declares_the_roles_of_the_readme_table() -> None:
    assert declared_roles(create_app(), "/v1/") == RULES


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(), "training") as client:
        yield client


@role_walk(RULES)
async def test_a_role_outside_the_routes_rule_gets_403_and_a_role_inside_it_is_not_refused(
    client: httpx.AsyncClient, issuer: DevIssuer, method: str, path: str, role: str
) -> None:
    claims = {
        "sub": f"user-{role}",
        "org_id": str(uuid.uuid4()),
        "org_kind": "training_provider",
        "roles": [role],
    }
    headers = {"Authorization": f"Bearer {issuer.sign(claims)}"}
    url = path.format(session_id=uuid.uuid4(), enrolment_id=uuid.uuid4(), referral_id=uuid.uuid4())
    kwargs: dict[str, Any] = {"json": {}} if method == "POST" else {}
    response = await client.request(method, url, headers=headers, **kwargs)
    assert_the_role_rule_holds(response, role in RULES[(method, path)])
