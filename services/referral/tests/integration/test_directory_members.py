"""An organisation's members (to choose an evaluator, say): its own admins and the pact coordination read
them, without their addresses; another organisation is answered as if it did not exist."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


async def test_members_are_listed_without_addresses_for_the_organisation_and_the_coordination_only(
    pact: Pact,
) -> None:
    plie = pact.orgs["plie"]
    admin = pact.headers(pact.coordination, "admin")
    for sub, name in (("claire", "Claire Martin"), ("bruno", "Bruno Lemoine")):
        body = {"display_name": name, "email": f"{sub}@plie.example.org", "roles": ["evaluator"]}
        put = await pact.client.put(f"/v1/organisations/{plie}/members/{sub}", json=body, headers=admin)
        assert put.status_code == 200, put.text
    url = f"/v1/organisations/{plie}/members"

    for org, role in ((plie, "admin"), (pact.coordination, "coordinator"), (pact.coordination, "admin")):
        listed = await pact.get(url, org, role)
        assert listed.status_code == 200, (org, role, listed.text)
        assert listed.json() == [
            {"sub": "bruno", "display_name": "Bruno Lemoine", "roles": ["evaluator"]},
            {"sub": "claire", "display_name": "Claire Martin", "roles": ["evaluator"]},
        ]
        assert "@" not in listed.text

    # Another organisation's admin, a coordinator outside the pact coordination: no such organisation.
    for org, role in ((pact.orgs["mission_locale"], "admin"), (plie, "coordinator")):
        refused = await pact.get(url, org, role)
        assert refused.status_code == 404, (org, role)
        assert "Claire" not in refused.text


async def test_the_pacts_data_protection_officer_is_declared_a_member_with_that_role(pact: Pact) -> None:
    """The portal offers the role; the API refused it (422), so no DPO could be declared."""
    admin = pact.headers(pact.coordination, "admin")
    body = {"display_name": "Nora Haddad", "email": "dpo@example.org", "roles": ["dpo"]}
    url = f"/v1/organisations/{pact.coordination}/members"
    put = await pact.client.put(f"{url}/nora", json=body, headers=admin)
    assert put.status_code == 200, put.text
    listed = await pact.get(url, pact.coordination, "admin")
    assert {"sub": "nora", "display_name": "Nora Haddad", "roles": ["dpo"]} in listed.json()
