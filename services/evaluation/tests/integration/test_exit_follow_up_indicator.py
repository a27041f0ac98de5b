"""The exits' figure at +6 months takes the situation the référent recorded at its six-month follow-up
(journey.exit_followed_up.v1), and a corrected answer replaces the first, under every definition."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import jsonschema
import pytest

from relais_dev.stack import repo_root
from relais_shared.auth import DevIssuer
from relais_shared.envelope import IncomingEnvelope, dataschema_for

from .conftest import Store, api_for
from .synthetic_pact import schema_of

pytestmark = pytest.mark.integration
PERSON, REFERENT = uuid.uuid4(), uuid.uuid4()
CATEGORIES = ("durable_employment", "transition_employment", "positive_exit", "other")


def event(event_type: str, at: str, **data: Any) -> IncomingEnvelope:
    return IncomingEnvelope(
        type=event_type,
        source="referral",
        subject=str(PERSON),
        time=datetime.fromisoformat(at),
        dataschema=dataschema_for(event_type),
        data={"jobseeker_id": str(PERSON), **data},
    )


EXITED = "2027-01-10T10:00:00+00:00"
ANSWERS = (("2027-07-12T09:00:00+00:00", "cdi"), ("2027-07-13T09:00:00+00:00", "civic_service"))
HIRED = "2027-03-01T09:00:00+00:00"
EVENTS = [
    event("journey.exited.v1", EXITED, outcome="job_search", referent_org_id=str(REFERENT), exited_at=EXITED),
    # A short contract within three months: the +3 figure's situation, until the référent answers at +6.
    event("journey.life_event_recorded.v1", HIRED, kind="hired", contract_type="CDD", recorded_at=HIRED),
    *(
        event(
            "journey.exit_followed_up.v1",
            at,
            horizon_months=6,
            observed_situation=situation,
            exited_at=EXITED,
            referent_org_id=str(REFERENT),
            recorded_at=at,
        )
        for at, situation in ANSWERS
    ),
]


def test_the_events_are_as_the_referral_service_publishes_them() -> None:
    for envelope in EVENTS:
        jsonschema.validate(envelope.data, schema_of(envelope.type, repo_root()))


async def exits(api: Any, horizon: int) -> dict[str, Any]:
    params = {"from": "2027-01-01", "to": "2027-03-31", "as_of": "2028-02-01", "horizon": horizon}
    response = await api.get("/v1/indicators/exits", **params, definitions=["dares-iae", "pacte-elargie"])
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    return {k: v["value"] for k, v in row["values"].items()}


async def test_the_six_month_exit_category_comes_from_the_referents_latest_follow_up(
    store: Store, issuer: DevIssuer
) -> None:
    await store.ingest(list(reversed(EVENTS)))  # in any order: the latest answer wins by its own time
    async with api_for(store, issuer, small_cell_threshold=1) as api:
        plus_3 = await exits(api, 3)
        assert [plus_3[f"dares-iae@1:{c}"] for c in CATEGORIES] == [0, 1, 0, 0]  # the CDD
        plus_6 = await exits(api, 6)
        # Civic service (the corrected answer, not the first one's CDI): "other" for DARES, a positive
        # exit under the pact's wider definition.
        assert [plus_6[f"dares-iae@1:{c}"] for c in CATEGORIES] == [0, 0, 0, 1]
        assert [plus_6[f"pacte-elargie@1:{c}"] for c in CATEGORIES] == [0, 0, 1, 0]
        plus_12 = await exits(api, 12)
        assert [plus_12[f"pacte-elargie@1:{c}"] for c in CATEGORIES] == [0, 0, 1, 0]
