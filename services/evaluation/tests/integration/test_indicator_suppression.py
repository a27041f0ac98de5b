"""Through the API, with the default threshold (11): the synthetic quarter's small cells are not published."""

from __future__ import annotations

from typing import Any

import pytest

from relais_shared.auth import DevIssuer

from .conftest import Store, api_for
from .synthetic_pact import envelopes

pytestmark = pytest.mark.integration


async def test_with_the_default_threshold_no_cell_of_fewer_than_11_people_is_published(
    store: Store, issuer: DevIssuer
) -> None:
    await store.ingest([e for _, e in envelopes()])
    async with api_for(store, issuer) as api:
        response = await api.get(
            "/v1/indicators/referral_funnel",
            **{"from": "2027-01-01", "to": "2027-03-31", "group_by": "age_band"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
    assert body["threshold"] == 11
    total = next(r for r in body["rows"] if r["dimensions"] == {"age_band": None})
    assert total["values"]["submitted"] == {"value": None, "suppressed": True}  # 7 referrals
    for row in body["rows"]:
        for cell in row["values"].values():
            assert (
                cell["suppressed"] or cell["value"] in (0, None) or cell["value"] >= 11 or cell["value"] < 1
            )
