"""Two records of one person merged by the referral service (``jobseeker.merged.v1``): what this service
holds under the duplicate's id becomes the kept record's, so that the yearly report counts the person once.
The handler runs as the reliable consumer runs it, in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from relais_clauses.adapters.db.models import EligibilityDecisionRow, ParticipantRow, WorkContractRow
from relais_clauses.adapters.events.erasure import CONTRACTS, handle
from relais_shared.consumer import check_contract
from relais_shared.envelope import IncomingEnvelope

from .conftest import Pact

pytestmark = pytest.mark.integration


def _merged(kept: uuid.UUID, duplicate: uuid.UUID) -> IncomingEnvelope:
    return IncomingEnvelope(
        type="jobseeker.merged.v1",
        source="referral",
        subject=str(kept),
        dataschema="contracts/events/jobseeker/jobseeker.merged.v1.schema.json",
        data={
            "jobseeker_id": str(kept),
            "duplicate_id": str(duplicate),
            "merged_at": datetime.now(UTC).isoformat(),
            "merged_by_org_id": str(uuid.uuid4()),
        },
    )


async def _run(pact: Pact, envelope: IncomingEnvelope) -> None:
    assert check_contract(envelope, CONTRACTS)  # the subscriber reads it, instead of skipping an unknown type
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session, session.begin():
        await handle(session, envelope)


async def _held(pact: Pact, *people: uuid.UUID) -> dict[str, Any]:
    """The participant rows of ``people`` and the ids of the decisions and work contracts of each."""
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        rows = await session.execute(select(ParticipantRow).where(ParticipantRow.id.in_(people)))
        decisions = await session.execute(
            select(EligibilityDecisionRow.participant_id, EligibilityDecisionRow.id).where(
                EligibilityDecisionRow.participant_id.in_(people)
            )
        )
        work = await session.execute(
            select(WorkContractRow.participant_id, WorkContractRow.id).where(
                WorkContractRow.participant_id.in_(people)
            )
        )
        return {
            "participants": {p.id: (p.sex, p.age_band, p.qpv_resident, p.anonymised) for p in rows.scalars()},
            "decisions": {(p, str(d)) for p, d in decisions.tuples()},
            "work": {(p, str(w)) for p, w in work.tuples()},
        }


async def _declare(pact: Pact, contract: str, work: str, hours: str) -> None:
    line = {"work_contract_id": work, "period": "2026-03-01", "hours": hours, "reference": "BUL"}
    declared = await pact.post(f"/v1/contracts/{contract}/hours", "employer", {"lines": [line]})
    assert declared.status_code == 201, declared.text


async def test_a_merged_duplicate_participant_becomes_the_kept_one_with_its_decisions_work_and_hours(
    pact: Pact,
) -> None:
    contract = (await pact.contract())["id"]
    duplicate, work = await pact.hired(contract)
    await _declare(pact, contract, work, "140")
    kept = uuid.uuid4()  # a record this service never heard of
    before = await _held(pact, duplicate)

    await _run(pact, _merged(kept, duplicate))

    after = await _held(pact, kept, duplicate)
    assert after["participants"] == {kept: before["participants"][duplicate]}  # the duplicate's row is gone
    assert after["decisions"] == {(kept, d) for _, d in before["decisions"]}
    assert after["work"] == {(kept, work)}
    progress = (await pact.get(f"/v1/contracts/{contract}", "facilitator")).json()["progress"]
    assert Decimal(progress["realised"]) == Decimal("140")  # the hours follow their work contract
    # The kept record is hired again on the strength of the duplicate's eligibility decision.
    assert (await pact.hire(contract, kept, starts_on="2026-04-01")).status_code == 201


async def test_a_person_on_two_records_counts_once_in_the_yearly_report_once_merged(pact: Pact) -> None:
    first, second = (await pact.contract())["id"], (await pact.contract(reference="2026-MET-042"))["id"]
    kept, duplicate = uuid.uuid4(), uuid.uuid4()
    assert (await pact.eligible(kept, sex="M", age_band=None, qpv_resident=None)).status_code == 201
    assert (
        await pact.eligible(duplicate, sex="F", age_band="under_26", qpv_resident=True)
    ).status_code == 201
    works = [(await pact.hire(first, kept)).json()["id"], (await pact.hire(second, duplicate)).json()["id"]]
    for contract, work in zip((first, second), works, strict=True):
        await _declare(pact, contract, work, "100")
    counted = (await pact.get("/v1/reports/clauses/summary", "buyer", year=2026)).json()["totals"]
    assert counted["participants"] == 2  # one person, counted twice

    await _run(pact, _merged(kept, duplicate))

    totals = (await pact.get("/v1/reports/clauses/summary", "buyer", year=2026)).json()["totals"]
    assert (totals["participants"], totals["work_contracts"], totals["hours"]) == (1, 2, 200.0)
    # Described by the kept record's attributes, the ones it lacked taken from the duplicate.
    assert totals["participants_by_sex"] == {"M": 1}
    assert totals["participants_by_age_band"] == {"under_26": 1} and totals["participants_in_qpv"] == 1
    held = await _held(pact, kept, duplicate)
    assert held["participants"] == {kept: ("M", "under_26", True, False)}
    assert {p for p, _ in held["decisions"]} == {kept} and len(held["decisions"]) == 2
    assert held["work"] == {(kept, w) for w in works}


async def test_a_redelivered_merge_changes_nothing_more(pact: Pact) -> None:
    contract = (await pact.contract())["id"]
    kept, _ = await pact.hired(contract)
    duplicate, work = await pact.hired(contract)
    merged = _merged(kept, duplicate)
    await _run(pact, merged)
    once = await _held(pact, kept, duplicate)
    assert set(once["participants"]) == {kept} and (kept, work) in once["work"]

    await _run(pact, merged)

    assert await _held(pact, kept, duplicate) == once


async def test_a_duplicate_merged_into_an_erased_record_brings_no_proof_reference_back(pact: Pact) -> None:
    """An erased participant keeps its criteria as categories only; the duplicate's proofs moved across
    with their references (« CAF-2026-01 »), describing the erased person again."""
    contract = (await pact.contract())["id"]
    kept, _ = await pact.hired(contract)
    duplicate, _ = await pact.hired(contract)
    erased = IncomingEnvelope(
        type="jobseeker.erased.v1",
        source="referral",
        subject=str(kept),
        dataschema="contracts/events/jobseeker/jobseeker.erased.v1.schema.json",
        data={"jobseeker_id": str(kept), "erased_at": datetime.now(UTC).isoformat(), "reason": "request"},
    )
    await _run(pact, erased)

    await _run(pact, _merged(kept, duplicate))

    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        decisions = list(
            (
                await session.execute(
                    select(EligibilityDecisionRow).where(EligibilityDecisionRow.participant_id == kept)
                )
            ).scalars()
        )
    assert len(decisions) == 2  # its own and the duplicate's
    assert all(d.proofs == [] and d.criteria == ["rsa"] for d in decisions)  # categories, no reference
