"""Finding an organisation of the directory by its name, as people type it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


async def test_a_name_is_found_whatever_its_accents_and_case_and_a_typed_percent_is_a_letter(
    pact: Pact,
) -> None:
    """« metropole » found nothing of « Mission locale Nantes Métropole »: the search compared accents."""
    org, token = uuid.uuid4(), uuid.uuid4().hex[:8]
    name = f"Écoute Métropole {token}"
    created = await pact.post(
        "/v1/organisations",
        pact.coordination,
        {"id": str(org), "name": name, "kind": "association", "departement": "44"},
        "admin",
    )
    assert created.status_code == 201, created.text
    for typed in (f"ecoute metropole {token}", f"ÉCOUTE MÉTROPOLE {token}", f"Ecoute Métropole {token}"):
        found = await pact.get("/v1/organisations", "plie", q=typed)
        assert [o["name"] for o in found.json()["items"]] == [name], typed
    wildcard = await pact.get("/v1/organisations", "plie", q=f"%{token}")
    assert wildcard.json()["items"] == []  # « % » is not « anything »
