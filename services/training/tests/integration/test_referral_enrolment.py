"""A counsellor follows the enrolment their referral asked for: the session, the enrolment's state, the
waitlist rank, the attendance so far. Read by the organisation that sent the referral and by the session's
provider only. On the real PostgreSQL, the referral's event handled as the consumer handles it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .conftest import Clock, Pact
from .test_from_the_referral_service import _referral, _run

pytestmark = pytest.mark.integration


async def _read(pact: Pact, referral_id: str, who: str, role: str = "counsellor") -> Any:
    return await pact.client.get(f"/v1/referrals/{referral_id}/enrolment", headers=pact.headers(who, role))


async def test_the_sender_reads_the_session_and_the_state_of_its_referrals_enrolment_with_the_waitlist_rank(
    pact: Pact,
) -> None:
    session = await pact.session(capacity=1, timetable="Lundi au jeudi, 9 h – 12 h")
    seated, waiting = (
        _referral(pact, session["id"], uuid.uuid4()),
        _referral(pact, session["id"], uuid.uuid4()),
    )
    await _run(pact, seated)
    await _run(pact, waiting)

    first = await _read(pact, seated.data["referral_id"], "counsellor")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "confirmed" and first.json()["waitlist_rank"] is None
    shown = first.json()["session"]
    assert (shown["id"], shown["title"], shown["starts_on"], shown["ends_on"], shown["commune"]) == (
        session["id"],
        "Français langue étrangère — A2",
        "2027-01-11",
        "2027-03-19",
        "Nantes",
    )
    assert shown["provider_org_id"] == str(pact.orgs["provider"])
    assert shown["timetable"] == "Lundi au jeudi, 9 h – 12 h"
    assert "jobseeker_id" not in first.json()
    second = (await _read(pact, waiting.data["referral_id"], "counsellor")).json()
    assert (second["status"], second["waitlist_rank"]) == ("waitlisted", 1)

    # The seat frees: the waitlisted person is enrolled, and the sender reads it.
    await pact.post(f"/v1/enrolments/{first.json()['id']}/cancel", "provider", None)
    assert (await _read(pact, seated.data["referral_id"], "counsellor")).json()["status"] == "cancelled"
    assert (await _read(pact, waiting.data["referral_id"], "counsellor")).json()["status"] == "confirmed"


async def test_only_the_sending_organisation_and_the_provider_read_a_referrals_enrolment_others_get_404(
    pact: Pact,
) -> None:
    session = (await pact.session(capacity=2))["id"]
    referral = _referral(pact, session, uuid.uuid4())
    await _run(pact, referral)
    referral_id = referral.data["referral_id"]
    assert (await _read(pact, referral_id, "counsellor")).status_code == 200
    assert (await _read(pact, referral_id, "provider", "training_provider")).status_code == 200
    for who, role in (("other-counsellor", "counsellor"), ("other-provider", "training_provider")):
        refused = await _read(pact, referral_id, who, role)
        assert refused.status_code == 404, (who, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    assert (await _read(pact, str(uuid.uuid4()), "counsellor")).status_code == 404  # no enrolment (yet)


async def test_the_sender_reads_the_attendance_so_far_and_the_outcome(pact: Pact, clock: Clock) -> None:
    session = (await pact.session(capacity=2))["id"]
    referral = _referral(pact, session, uuid.uuid4())
    await _run(pact, referral)
    referral_id = referral.data["referral_id"]
    enrolment = (await _read(pact, referral_id, "counsellor")).json()["id"]
    clock.set("2027-01-13")
    url = f"/v1/sessions/{session}/attendance"
    for day, here in (("2027-01-11", True), ("2027-01-12", False), ("2027-01-13", True)):
        assert (
            await pact.post(url, "provider", {"day": day, "present": {enrolment: here}})
        ).status_code == 200
    read = (await _read(pact, referral_id, "counsellor")).json()
    assert (read["days_present"], read["days_absent"], read["session"]["state"]) == (2, 1, "running")
    await pact.post(f"/v1/enrolments/{enrolment}/abandon", "provider", {"reason_code": "mobility"})
    read = (await _read(pact, referral_id, "counsellor")).json()
    assert (read["status"], read["reason_code"], read["days_present"]) == ("abandoned", "mobility", 2)


async def test_a_referral_joining_an_enrolment_the_provider_made_is_read_by_its_sender(pact: Pact) -> None:
    session = (await pact.session(capacity=2))["id"]
    person = uuid.uuid4()
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(person)})
    referral = _referral(pact, session, person)
    await _run(pact, referral)
    read = await _read(pact, referral.data["referral_id"], "counsellor")
    assert read.status_code == 200 and read.json()["status"] == "confirmed"
