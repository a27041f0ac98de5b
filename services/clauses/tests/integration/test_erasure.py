"""An erased person stays a participant by opaque id with their hours, and loses what describes them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from relais_clauses.adapters.db.models import EligibilityDecisionRow, ParticipantRow
from relais_clauses.adapters.events.erasure import anonymise
from relais_shared.envelope import IncomingEnvelope

from .conftest import Pact

pytestmark = pytest.mark.integration


async def test_an_erased_person_keeps_their_hours_but_not_their_attributes_nor_proof_references(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    person, work = await pact.hired(contract)
    line = {"work_contract_id": work, "period": "2026-03-01", "hours": "140", "reference": "BUL"}
    await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})

    app = pact.client._transport.app  # type: ignore[attr-defined]
    envelope = IncomingEnvelope(
        type="jobseeker.erased.v1",
        source="referral",
        subject=str(person),
        dataschema="contracts/events/jobseeker/jobseeker.erased.v1.schema.json",
        data={"jobseeker_id": str(person), "erased_at": datetime.now(UTC).isoformat(), "reason": "request"},
    )
    async with app.state.sessions() as session, session.begin():
        await anonymise(session, envelope)
    async with app.state.sessions() as session:
        participant = await session.get(ParticipantRow, person)
        found = await session.execute(
            select(EligibilityDecisionRow).where(EligibilityDecisionRow.participant_id == person)
        )
        decisions = list(found.scalars())
    assert participant is not None and participant.anonymised
    assert (participant.sex, participant.age_band, participant.qpv_resident) == (None, None, None)
    assert decisions and all(d.proofs == [] and d.criteria == ["rsa"] for d in decisions)
    progress = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()["progress"]
    assert Decimal(progress["realised"]) == Decimal("140")  # the clause's figures do not change
