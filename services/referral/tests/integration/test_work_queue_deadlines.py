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


async def test_a_referrals_answer_gives_its_next_deadline_at_every_stage_on_the_receivers_calendar(
    pact: Any,
) -> None:
    pact.orgs["metz"] = await _receiver_in_moselle(pact)
    person = await pact.person("mission_locale")
    referral = (await pact.refer(person, "mission_locale", "metz")).json()
    assert referral["next_deadline_kind"] == "acknowledgement"
    assert referral["next_deadline"] == referral["acknowledgement_due"]
    url = f"/v1/referrals/{referral['id']}"
    acknowledged = (await pact.post(f"{url}/acknowledge", "metz")).json()
    # Acknowledged: the appointment is due before the coordination is alerted (10 working days).
    assert acknowledged["next_deadline_kind"] == "appointment"
    assert acknowledged["next_deadline"] > referral["acknowledgement_due"]
    assert acknowledged["working_days_left"] > 0
    scheduled = (await pact.post(f"{url}/appointment", "metz", {"appointment_at": APPOINTMENT})).json()
    assert (scheduled["next_deadline_kind"], scheduled["next_deadline"]) == (
        "appointment_outcome",
        "2027-03-30",
    )
    # The sender reads the same deadline, on the receiver's calendar.
    read = await pact.get(url, "mission_locale")
    assert (read.json()["next_deadline_kind"], read.json()["next_deadline"]) == (
        "appointment_outcome",
        "2027-03-30",
    )
    excused = await pact.post(f"{url}/appointment-outcome", "metz", {"outcome": "excused"})
    assert excused.status_code == 200, excused.text
    assert excused.json()["next_deadline_kind"] == "decision"
    assert excused.json()["working_days_left"] == 10  # decision_days from today, the outcome's day
    accepted = (await pact.post(f"{url}/accept", "metz")).json()
    assert (accepted["next_deadline"], accepted["next_deadline_kind"], accepted["working_days_left"]) == (
        None,
        None,
        None,
    )
