"""Work queues show each referral's deadlines on its receiver's calendar, from either side."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration

# Thursday 25 March 2027, 10:00 in Paris. The outcome is due the next working day: in Loire-Atlantique
# (44) Friday 26; in Moselle (57) Good Friday is a public holiday and Monday 29 is Easter Monday: Tuesday 30.
APPOINTMENT = "2027-03-25T09:00:00Z"


async def _receiver_in_moselle(pact: Any) -> uuid.UUID:
    org = uuid.uuid4()
    created = await pact.client.post(
        "/v1/organisations",
        headers=pact.headers(pact.coordination, "admin"),
        json={"id": str(org), "name": f"PLIE Metz {org.hex[:6]}", "kind": "plie", "departement": "57"},
    )
    assert created.status_code == 201, created.text
    return org


async def test_an_appointment_outcome_is_due_on_the_receivers_calendar_in_both_work_queues(
    pact: Any,
) -> None:
    receiver = await _receiver_in_moselle(pact)
    pact.orgs["metz"] = receiver
    person = await pact.person("mission_locale")
    referral = (await pact.refer(person, "mission_locale", "metz")).json()
    url = f"/v1/referrals/{referral['id']}"
    assert (await pact.post(f"{url}/acknowledge", "metz")).status_code == 200
    scheduled = await pact.post(f"{url}/appointment", "metz", {"appointment_at": APPOINTMENT})
    assert scheduled.status_code == 200, scheduled.text

    async def deadline(org: str, direction: str) -> str:
        page = await pact.get(
            f"/v1/organisations/{pact.orgs[org]}/referrals", org, direction=direction, limit=200
        )
        assert page.status_code == 200, page.text
        [item] = [i for i in page.json()["items"] if i["referral_id"] == referral["id"]]
        return str(item["next_deadline"])

    assert await deadline("metz", "incoming") == "2027-03-30"
    # The sender (in 44) sees the receiver's deadline, not one computed on its own calendar (26 March).
    assert await deadline("mission_locale", "outgoing") == "2027-03-30"
