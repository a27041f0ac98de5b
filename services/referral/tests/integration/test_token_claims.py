"""A validly signed token whose claims are malformed is refused (401 problem+json), never a crash.

The signature proves who issued a token, not that the identity provider was configured right: each
claim Relais reads (``sub``, ``org_id``, ``org_kind``, ``roles``) is checked for its type and value.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from relais_shared.auth import DevIssuer

pytestmark = pytest.mark.integration

Pact = Any  # the `pact` fixture of conftest.py
MISSING = object()

MALFORMED: dict[str, tuple[str, object]] = {
    "roles is a number": ("roles", 5),
    "roles is null": ("roles", None),
    "roles is a plain string": ("roles", "counsellor"),
    "roles holds a number": ("roles", ["counsellor", 5]),
    "roles is missing": ("roles", MISSING),
    "org_id is missing": ("org_id", MISSING),
    "org_id is not a UUID": ("org_id", "mission-locale-nantes"),
    "org_id is a number": ("org_id", 44),
    "org_kind is unknown": ("org_kind", "bank"),
    "org_kind is missing": ("org_kind", MISSING),
    "sub is empty": ("sub", ""),
}


def _claims(pact: Pact, **changes: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "camille",
        "org_id": str(pact.orgs["plie"]),
        "org_kind": "plie",
        "roles": ["counsellor"],
    }
    for name, value in changes.items():
        if value is MISSING:
            del claims[name]
        else:
            claims[name] = value
    return claims


@pytest.mark.parametrize(("claim", "value"), MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_signed_token_with_a_malformed_claim_gets_401_naming_the_claim(
    pact: Pact, claim: str, value: object
) -> None:
    token = pact.issuer.sign(_claims(pact, **{claim: value}))
    response = await pact.client.get(
        f"/v1/organisations/{pact.orgs['plie']}/inbox", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["type"].endswith("/unauthenticated")
    assert [error["field"].split(".")[0] for error in body["errors"]] == [claim]


async def test_a_well_formed_token_reads_its_inbox_and_roles_unknown_to_relais_add_nothing(
    pact: Pact,
) -> None:
    inbox = f"/v1/organisations/{pact.orgs['plie']}/inbox"
    for roles, status in ((["counsellor"], 200), (["counsellor", "superuser"], 200), (["superuser"], 403)):
        token = pact.issuer.sign(_claims(pact, roles=roles))
        response = await pact.client.get(inbox, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, (roles, response.text)


def test_the_local_issuer_signs_no_token_of_an_unknown_organisation_kind(issuer: DevIssuer) -> None:
    with pytest.raises(ValueError, match="organisation kind"):
        issuer.token(org_id=uuid.uuid4(), org_kind="bank", roles=["counsellor"])
