"""What the Kafka→Temporal bridge reads to set a referral's clock, against the real PostgreSQL."""

import uuid
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from relais_referral.db.models import OrganisationRow, ReferralRow
from relais_referral.db.repository import PolicyRepository
from relais_referral.domain.calendar import PARIS, paris_date
from relais_referral.domain.deadlines import referral_deadlines
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.service_layer.timers import referral_timers
from relais_referral.settings import ReferralSettings

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py

POLICY = {
    "reminder_days": 2,
    "acknowledgement_days": 4,
    "manager_escalation_days": 4,
    "coordination_escalation_days": 9,
    "expiry_days": 25,
    "reorient_days": 10,
    "appointment_outcome_days": 1,
    "max_no_shows": 2,
    "unaccompanied_days": 5,
}


async def publish(pact: Pact, **changes: int) -> None:
    body = {**POLICY, **changes}
    published = await pact.post("/v1/referral-policies/cap_emploi", pact.coordination, body, "coordinator")
    assert published.status_code == 201, published.text


async def timers_of(pact: Pact, referral_id: str) -> Any:
    app = pact.client._transport.app
    async with app.state.sessions() as session:
        return await referral_timers(session, uuid.UUID(referral_id), ReferralSettings().default_departement)


async def test_a_referrals_clock_follows_the_policy_version_it_was_submitted_under(pact: Pact) -> None:
    await publish(pact)
    referral = (await pact.refer(await pact.person(), "mission_locale", "cap_emploi")).json()
    await publish(pact, expiry_days=40)  # a later version: for later referrals only
    timers = await timers_of(pact, referral["id"])
    submitted_on = paris_date(datetime.fromisoformat(referral["submitted_at"]))
    expected = referral_deadlines(submitted_on, ReferralPolicy(**POLICY), "44")
    assert timers.deadlines == expected
    assert (timers.status, timers.receiver_org_id) == ("submitted", pact.orgs["cap_emploi"])
    assert (timers.outcome_due_at, timers.decision_due_at, timers.had_appointment) == (None, None, False)


async def test_a_training_referral_waitlisted_by_the_provider_stops_the_no_answer_clock(pact: Pact) -> None:
    """Acknowledged for the provider by the training service (a place on the session's waitlist): the
    coordination escalation and expiry do not ring while the person waits for a seat or the first day."""
    session_id = uuid.uuid4()
    training, plain = [
        (await pact.refer(await pact.person(), "mission_locale", "cap_emploi")).json()["id"] for _ in range(2)
    ]
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == uuid.UUID(training))
            .values(training_session_id=session_id)
        )
    assert (await timers_of(pact, training)).had_appointment is False  # sent, not answered yet
    for referral in (training, plain):
        assert (await pact.post(f"/v1/referrals/{referral}/acknowledge", "cap_emploi")).status_code == 200
    assert (await timers_of(pact, training)).had_appointment is True
    assert (await timers_of(pact, plain)).had_appointment is False  # an acknowledgement alone answers nothing


async def test_an_unknown_referral_has_no_clock(pact: Pact) -> None:
    assert await timers_of(pact, str(uuid.uuid4())) is None


async def test_a_receiver_without_a_departement_runs_on_the_default_departement_setting(pact: Pact) -> None:
    # The API requires a département, but a directory entry written another way (an import) may lack one.
    org = uuid.uuid4()
    created = await pact.client.post(
        "/v1/organisations",
        headers=pact.headers(pact.coordination, "admin"),
        json={"id": str(org), "name": f"PLIE {org.hex[:6]}", "kind": "plie", "departement": "57"},
    )
    assert created.status_code == 201, created.text
    pact.orgs["nowhere"] = org
    referral = (await pact.refer(await pact.person(), "mission_locale", "nowhere")).json()
    # Sent on Thursday 25 March 2027: Good Friday is a holiday in Moselle (57), not in Loire-Atlantique.
    submitted_on = date(2027, 3, 25)
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        await session.execute(update(OrganisationRow).where(OrganisationRow.id == org).values(departement=""))
        await session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == uuid.UUID(referral["id"]))
            .values(submitted_at=datetime(2027, 3, 25, 10, 0, tzinfo=PARIS))
        )
    async with app.state.sessions() as session:
        row = await session.get(ReferralRow, uuid.UUID(referral["id"]))
        assert row is not None
        policy = await PolicyRepository(session).version(row.policy_version)
        timers = await referral_timers(session, row.id, default_departement="57")
    assert timers is not None
    moselle, nantes = (referral_deadlines(submitted_on, policy, d) for d in ("57", "44"))
    assert moselle != nantes  # the dates tell the two calendars apart
    assert timers.deadlines == moselle
