"""The inbox projection, a batch of events at a time, against the real PostgreSQL."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from relais_referral.db.models import InboxEntryRow
from relais_referral.service_layer.projections import project_inbox
from relais_shared.envelope import IncomingEnvelope

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


def event(event_type: str, subject: str) -> IncomingEnvelope:
    return IncomingEnvelope(
        type=event_type,
        source="referral",
        subject=subject,
        dataschema=f"contracts/events/referral/{event_type}.schema.json",
        data={},
    )


async def test_a_batch_projects_each_named_referral_once_from_its_current_row_whatever_the_order(
    pact: Pact,
) -> None:
    person = await pact.person()
    accepted = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    waiting = (await pact.refer(person, "mission_locale", "cap_emploi")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{accepted}/accept", "plie")).status_code == 200
    batch = [
        event("referral.accepted.v1", accepted),  # the later event first: the row decides, not the order
        event("referral.submitted.v1", accepted),
        event("referral.submitted.v1", waiting),
        event("referral.submitted.v1", waiting),  # two events of one referral in one batch
        event("journey.opened.v1", person),  # not about a referral
        event("referral.submitted.v1", "not-a-uuid"),
        event("referral.submitted.v1", str(uuid.uuid4())),  # unknown here: nothing to project
    ]
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        await project_inbox(session, batch)
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                select(InboxEntryRow).where(
                    InboxEntryRow.referral_id.in_([uuid.UUID(accepted), uuid.UUID(waiting)])
                )
            )
        ).scalars()
        status = {str(row.referral_id): (row.status, row.receiver_org_id) for row in rows}
    assert status == {
        accepted: ("accepted", pact.orgs["plie"]),
        # Its only events say "submitted", but the acceptance elsewhere made it obsolete: the row decides.
        waiting: ("obsolete", pact.orgs["cap_emploi"]),
    }


async def test_the_inbox_counts_days_left_only_while_an_acknowledgement_is_awaited(pact: Pact) -> None:
    person = await pact.person()
    accepted = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    waiting = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{accepted}/accept", "plie")).status_code == 200
    app = pact.client._transport.app
    async with app.state.sessions() as session, session.begin():
        await project_inbox(
            session, [event("referral.accepted.v1", accepted), event("referral.submitted.v1", waiting)]
        )
    page = await pact.get(f"/v1/organisations/{pact.orgs['plie']}/inbox", "plie", limit=200)
    assert page.status_code == 200, page.text
    left = {i["referral_id"]: i["working_days_left"] for i in page.json()["items"]}
    assert left[waiting] == 5  # the default policy: five working days to acknowledge
    assert left[accepted] is None  # taken in charge: no acknowledgement deadline ahead of it
