"""Data-protection rights on the real PostgreSQL (and Temporal for the retention schedule): the export holds
everything, refusals hide the person, the DPO reads the audit log, the schedule erases only who is due."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from relais_dev.stack import Stack
from relais_dev.testing import eventually, triggered_schedule
from relais_referral.bootstrap import bootstrap
from relais_referral.db.models import JobseekerRow, JourneyEntryRow, ReferralRow, infra
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.retention import EraseExpiredJobseekersWorkflow, RetentionActivities
from relais_referral.workflows.schedules import ensure_erasure_schedule
from relais_shared.temporal import connect_temporal

from .conftest import Pact

pytestmark = pytest.mark.integration


async def _refused_referral(pact: Pact, person: str) -> str:
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    refused = await pact.post(
        f"/v1/referrals/{referral}/refuse", "plie", {"reason": "other", "comment": "Commentaire du refus"}
    )
    assert refused.status_code == 200, refused.text
    return str(referral)


async def test_the_export_holds_identity_referrals_with_motive_and_comment_journey_tasks_and_audit(
    pact: Pact,
) -> None:
    person = await pact.person(last_name="Exportée")
    referral = await _refused_referral(pact, person)
    response = await pact.get(f"/v1/jobseekers/{person}/export", "mission_locale")
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["identity"]["last_name"] == "Exportée" and export["identity"]["birth_date"] == "2005-03-14"
    [sent] = export["referrals"]
    assert (sent["id"], sent["motive"], sent["refusal_comment"]) == (
        referral,
        "Accompagnement renforcé",
        "Commentaire du refus",
    )
    assert [line["kind"] for line in export["journey"]][:2] == ["referral_submitted", "referral_refused"]
    assert [task["kind"] for task in export["tasks"]] == ["reorient"]
    audited = {(line["action"], line["resource_id"]) for line in export["audit"]}
    assert ("create", person) in audited and ("refuse", referral) in audited

    pdf = await pact.client.get(f"/v1/jobseekers/{person}/export.pdf", headers=pact.headers("mission_locale"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


async def test_a_third_organisation_gets_404_on_the_export_and_the_erasure_and_the_refusals_are_audited(
    pact: Pact,
) -> None:
    person = await pact.person()
    for response in (
        await pact.get(f"/v1/jobseekers/{person}/export", "outsider"),
        await pact.get(f"/v1/jobseekers/{person}/export.pdf", "outsider"),
        await pact.post(f"/v1/jobseekers/{person}/erasure", "outsider"),
    ):
        assert response.status_code == 404, response.text
        assert "Morel" not in response.text
    audit = infra.audit_log.c
    refused = await pact.count(
        infra.audit_log,
        audit.resource_id == person,
        audit.outcome == "refused",
        audit.actor_org_id == pact.orgs["outsider"],
    )
    assert refused == 3
    assert (
        await pact.count(JobseekerRow, JobseekerRow.id == uuid.UUID(person), JobseekerRow.erased_at.is_(None))
        == 1
    )


async def test_the_pacts_dpo_reads_the_audit_log_of_a_person_within_a_period(pact: Pact) -> None:
    person, other = await pact.person(), await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{referral}/acknowledge", "plie", {})).status_code == 200
    now = datetime.now(UTC)
    params: dict[str, Any] = {
        "jobseeker_id": person,
        "since": (now - timedelta(minutes=5)).isoformat(),
        "until": (now + timedelta(minutes=5)).isoformat(),
    }
    response = await pact.get("/v1/audit", pact.coordination, "dpo", **params)
    assert response.status_code == 200, response.text
    lines = response.json()["items"]
    assert {line["resource_id"] for line in lines} == {person, referral}  # the person's and their referral's
    assert other not in response.text
    earlier = await pact.get("/v1/audit", pact.coordination, "dpo", **{**params, "until": params["since"]})
    assert earlier.json()["items"] == []
    by_org = await pact.get(
        "/v1/audit", pact.coordination, "dpo", jobseeker_id=person, organisation_id=str(pact.orgs["plie"])
    )
    assert {(line["actor_org_id"], line["resource_id"]) for line in by_org.json()["items"]} == {
        (str(pact.orgs["plie"]), referral)  # the PLIE acknowledged the referral, and nothing else
    }
    # A counsellor is refused by role; another organisation's DPO sees only its own people's lines.
    assert (await pact.get("/v1/audit", "mission_locale", "counsellor")).status_code == 403
    own = await pact.get("/v1/audit", "mission_locale", "dpo", jobseeker_id=person)
    assert {line["actor_org_id"] for line in own.json()["items"]} == {str(pact.orgs["mission_locale"])}
    assert (
        await pact.get("/v1/audit", "mission_locale", "dpo", organisation_id=str(pact.orgs["plie"]))
    ).status_code == 404


async def test_the_retention_schedule_erases_people_past_their_period_only(pact: Pact, stack: Stack) -> None:
    sessions = pact.client._transport.app.state.sessions  # type: ignore[attr-defined]
    due, recent, busy = await pact.person(), await pact.person(), await pact.person()
    await pact.refer(busy, "mission_locale", "plie")  # an open referral keeps a person
    long_ago = datetime.now(UTC) - timedelta(days=25 * 31)
    async with sessions() as session, session.begin():  # two of them: no activity for 25 months
        for person in (due, busy):
            pid = uuid.UUID(person)
            await session.execute(
                update(JobseekerRow).where(JobseekerRow.id == pid).values(created_at=long_ago)
            )
            await session.execute(
                update(JourneyEntryRow).where(JourneyEntryRow.jobseeker_id == pid).values(at=long_ago)
            )
            await session.execute(
                update(ReferralRow).where(ReferralRow.jobseeker_id == pid).values(updated_at=long_ago)
            )

    client = await connect_temporal(stack.temporal_address)
    task_queue = f"test-retention-{uuid.uuid4().hex[:8]}"
    adapters = bootstrap(ReferralSettings(), sessions=sessions)
    retention = RetentionActivities(adapters.uow, adapters.context, {"public_interest_mission": 24, "*": 24})
    async with triggered_schedule(
        client,
        ensure_erasure_schedule,
        task_queue,
        [EraseExpiredJobseekersWorkflow],
        [retention.erase_expired],
    ):

        async def erased() -> bool:
            async with sessions() as session:
                row = await session.get(JobseekerRow, uuid.UUID(due), populate_existing=True)
                return row is not None and row.erased_at is not None

        await eventually(erased, "the person past the retention erased by the schedule", timeout=30)

    async with sessions() as session:
        rows = {
            str(r.id): r
            for r in (
                await session.execute(
                    select(JobseekerRow).where(
                        JobseekerRow.id.in_([uuid.UUID(p) for p in (due, recent, busy)])
                    )
                )
            ).scalars()
        }
        outbox = infra.outbox.c
        events = (
            (await session.execute(select(outbox.key).where(outbox.event_type == "jobseeker.erased.v1")))
            .scalars()
            .all()
        )
    assert rows[due].last_name == "" and rows[due].birth_date is None
    assert rows[recent].erased_at is None and rows[busy].erased_at is None
    assert due in events and recent not in events and busy not in events


async def test_erasure_also_removes_corrected_values_notes_and_health_needs(pact: Pact) -> None:
    from sqlalchemy import select

    from relais_referral.db.models import JobseekerCorrectionRow, NeedRow, ReferralNoteRow

    person = await pact.person(last_name="Ancien-Nom")
    fixed = await pact.client.patch(
        f"/v1/jobseekers/{person}", headers=pact.headers("mission_locale"), json={"last_name": "Nouveau-Nom"}
    )
    assert fixed.status_code == 200, fixed.text
    for code in ("sante--sante-mentale", "mobilite"):
        assert (
            await pact.post(f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": code})
        ).status_code == 201
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    note = await pact.post(
        f"/v1/referrals/{referral}/notes", "mission_locale", {"text": "Préfère les rendez-vous du matin"}
    )
    assert note.status_code == 201, note.text
    await pact.post(f"/v1/referrals/{referral}/withdraw", "mission_locale")
    erased = await pact.post(f"/v1/jobseekers/{person}/erasure", "mission_locale")
    assert erased.status_code in (200, 201), erased.text

    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        corrections = (
            (
                await session.execute(
                    select(JobseekerCorrectionRow.previous).where(
                        JobseekerCorrectionRow.jobseeker_id == uuid.UUID(person)
                    )
                )
            )
            .scalars()
            .all()
        )
        notes = (
            (
                await session.execute(
                    select(ReferralNoteRow).where(ReferralNoteRow.referral_id == uuid.UUID(referral))
                )
            )
            .scalars()
            .all()
        )
        needs = (
            (
                await session.execute(
                    select(NeedRow.thematique).where(NeedRow.jobseeker_id == uuid.UUID(person))
                )
            )
            .scalars()
            .all()
        )
    assert corrections and all(previous == {} for previous in corrections)  # "Ancien-Nom" is gone
    assert notes == []
    assert needs == ["mobilite"]  # the health need is gone; the categorical one stays for statistics


async def test_an_erased_person_is_found_by_no_search_even_by_their_referent(pact: Pact) -> None:
    person = await pact.person(last_name="Introuvable")
    # By postcode: a fact the erasure keeps (a name or a birth date would no longer match anyway).
    found = await pact.get("/v1/jobseekers", "mission_locale", postcode="44300")
    assert person in {p["id"] for p in found.json()["items"]}
    assert (await pact.post(f"/v1/jobseekers/{person}/erasure", "mission_locale")).status_code in (200, 201)
    after = await pact.get("/v1/jobseekers", "mission_locale", postcode="44300")
    assert person not in {p["id"] for p in after.json()["items"]}
