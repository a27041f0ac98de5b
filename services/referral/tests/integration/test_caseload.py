"""A caseload on the real PostgreSQL: search, work queues with names, corrections, a person's referrals,
notes, likely duplicates and their merge; with the refusals (another organisation: 404)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from relais_referral.db.caseload import visible_to
from relais_referral.db.models import (
    InboxEntryRow,
    JobseekerCorrectionRow,
    JobseekerRow,
    JourneyEntryRow,
    ReferralNoteRow,
    ReferralRow,
    infra,
)
from relais_referral.db.people import JobseekerRepository

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


def _token() -> str:
    """Letters only (a name), unique to the test: the pact's database is shared by the whole suite."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


async def _register(pact: Pact, org: str, first: str, last: str, **extra: Any) -> Any:
    body = {"first_name": first, "last_name": last, "birth_date": "1990-07-14", "postcode": "44300", **extra}
    return await pact.post("/v1/jobseekers", org, body)


async def _person(pact: Pact, org: str, first: str, last: str, **extra: Any) -> str:
    response = await _register(pact, org, first, last, **extra)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _app(pact: Pact) -> Any:
    return pact.client._transport.app


@contextmanager
def _statements(pact: Pact) -> Iterator[list[str]]:
    """The SQL statements the API sends while the block runs."""
    engine = _app(pact).state.sessions.kw["bind"].sync_engine
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


# ------------------------------------------------------------------ search
async def test_search_ignores_accents_and_case_and_finds_only_the_callers_people(pact: Pact) -> None:
    last = f"Lefèvre-{_token()}"
    ines = await _person(pact, "mission_locale", "Éloïse", last)
    other = await _person(pact, "mission_locale", "Chloé", last, birth_date="2001-02-03", postcode="44000")
    await _person(pact, "plie", "Éloïse", last)  # the PLIE's: never in the mission locale's results

    plain = last.replace("è", "e").upper()
    found = (await pact.get("/v1/jobseekers", "mission_locale", q=f"eloise {plain}")).json()
    assert [p["id"] for p in found["items"]] == [ines] and found["total"] == 1
    assert found["items"][0]["display_name"] == f"Éloïse {last}"
    assert found["items"][0]["referent_organisation_id"] == str(pact.orgs["mission_locale"])
    both = (await pact.get("/v1/jobseekers", "mission_locale", q=plain.lower())).json()
    assert {p["id"] for p in both["items"]} == {ines, other}
    by_date = await pact.get("/v1/jobseekers", "mission_locale", q=plain, birth_date="2001-02-03")
    assert [p["id"] for p in by_date.json()["items"]] == [other]
    by_postcode = await pact.get("/v1/jobseekers", "mission_locale", q=plain, postcode="44000")
    assert [p["id"] for p in by_postcode.json()["items"]] == [other]
    audit = infra.audit_log.c
    assert (
        await pact.count(infra.audit_log, audit.resource_id == ines, audit.action == "search") == 2
    )  # found twice above: each time a read of that person
    page = (await pact.get("/v1/jobseekers", "mission_locale", q=plain, limit=1, offset=1)).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert (await pact.get("/v1/jobseekers", "outsider", q=plain)).json() == {
        "items": [],
        "total": 0,
        "offset": 0,
        "limit": 50,
    }


async def test_search_by_referral_status_counts_open_referrals_and_a_receiver_finds_the_person(
    pact: Pact,
) -> None:
    last = f"Statut{_token()}"
    referred = await _person(pact, "mission_locale", "Inès", last)
    await _person(pact, "mission_locale", "Noé", last)
    assert (await pact.refer(referred, "mission_locale", "plie")).status_code == 201

    submitted = (
        await pact.get("/v1/jobseekers", "mission_locale", q=last, referral_status="submitted")
    ).json()
    assert [(p["id"], p["open_referrals"]) for p in submitted["items"]] == [(referred, 1)]
    # The receiver may see the person while the referral is open: it finds them too.
    received = (await pact.get("/v1/jobseekers", "plie", q=last)).json()
    assert [p["id"] for p in received["items"]] == [referred]


async def test_the_sql_visibility_rule_gives_the_same_answers_as_the_one_of_get_jobseeker(pact: Pact) -> None:
    person = await _person(pact, "mission_locale", "Inès", f"Regle{_token()}")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{referral}/accept", "plie")).status_code == 200
    refused = (await pact.refer(person, "plie", "cap_emploi")).json()["id"]
    refusal = await pact.post(f"/v1/referrals/{refused}/refuse", "cap_emploi", {"reason": "no_capacity"})
    assert refusal.status_code == 200
    assert (await pact.refer(person, "plie", "france_travail")).status_code == 201
    # PLIE référent, mission locale in the follow-up group, France Travail receiving an open referral,
    # Cap emploi refused (no access), the outsider never involved.
    async with _app(pact).state.sessions() as session:
        row = await session.get(JobseekerRow, uuid.UUID(person))
        assert row is not None
        answers = {}
        for kind, org in pact.orgs.items():
            by_rule = await JobseekerRepository(session).visible_to(row, org)
            by_sql = (
                await session.execute(select(visible_to(org)).where(JobseekerRow.id == row.id))
            ).scalar_one()
            answers[kind] = (by_rule, by_sql)
    assert answers == {
        "mission_locale": (True, True),
        "plie": (True, True),
        "france_travail": (True, True),
        "cap_emploi": (False, False),
        "outsider": (False, False),
    }


# ------------------------------------------------------------------ work queues
async def _queue_statements(pact: Pact, path: str, org: str, **params: Any) -> tuple[int, Any]:
    with _statements(pact) as seen:
        response = await pact.get(path, org, **params)
    assert response.status_code == 200, response.text
    return len(seen), response.json()


async def _project_inbox(pact: Pact, referrals: list[str]) -> None:
    """Inbox rows for ``referrals``, as the inbox consumer writes them from the events."""
    async with _app(pact).state.sessions() as session, session.begin():
        for referral_id in referrals:
            row = await session.get(ReferralRow, uuid.UUID(referral_id))
            assert row is not None
            session.add(
                InboxEntryRow(
                    referral_id=row.id,
                    receiver_org_id=row.receiver_org_id,
                    sender_org_id=row.sender_org_id,
                    jobseeker_id=row.jobseeker_id,
                    status=row.status,
                    submitted_at=row.submitted_at,
                    acknowledgement_due=row.acknowledgement_due,
                )
            )


async def test_each_work_queue_names_its_rows_in_the_same_number_of_queries_whatever_the_pages_length(
    pact: Pact,
) -> None:
    last = f"File{_token()}"
    people = [await _person(pact, "mission_locale", f"Personne{chr(97 + n)}", last) for n in range(6)]
    referrals = [(await pact.refer(p, "mission_locale", "plie")).json()["id"] for p in people]
    queues = {  # each queue, with the caller and the step that puts a referral's row in it
        "referrals": (f"/v1/organisations/{pact.orgs['mission_locale']}/referrals", "mission_locale"),
        "inbox": (f"/v1/organisations/{pact.orgs['plie']}/inbox", "plie"),
        "tasks": (f"/v1/organisations/{pact.orgs['mission_locale']}/tasks", "mission_locale"),
    }

    async def fill(some: list[str]) -> None:
        await _project_inbox(pact, some)
        for referral in some:  # refused: a re-orientation task for the sender
            refusal = await pact.post(f"/v1/referrals/{referral}/refuse", "plie", {"reason": "no_capacity"})
            assert refusal.status_code == 200

    await fill(referrals[:2])
    counts = {}
    for name, (path, org) in queues.items():
        params = {"direction": "outgoing", "status": "refused"} if name == "referrals" else {}
        counts[name], page = await _queue_statements(pact, path, org, **params)
        assert len(page["items"]) == 2, name
        if name != "inbox":  # the refusing PLIE no longer sees the person; the mission locale does
            assert {i["jobseeker_display_name"] for i in page["items"]} == {
                f"Personnea {last}",
                f"Personneb {last}",
            }, name
    await fill(referrals[2:])
    for name, (path, org) in queues.items():
        params = {"direction": "outgoing", "status": "refused"} if name == "referrals" else {}
        statements, page = await _queue_statements(pact, path, org, **params)
        assert len(page["items"]) == 6, name
        assert statements == counts[name], name  # the names come with the page: no query per row


async def test_queues_name_only_the_people_the_organisation_may_see(pact: Pact) -> None:
    person = await _person(pact, "mission_locale", "Inès", f"Vue{_token()}")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    refusal = await pact.post(f"/v1/referrals/{referral}/refuse", "plie", {"reason": "no_capacity"})
    assert refusal.status_code == 200
    # The refusing PLIE may no longer see the person: the referral is listed, the name is not.
    plie = await pact.get(f"/v1/organisations/{pact.orgs['plie']}/referrals", "plie", status="refused")
    [row] = plie.json()["items"]
    assert row["referral_id"] == referral and row["jobseeker_display_name"] is None
    # The sender's re-orientation task names the person (its référent).
    tasks = (
        await pact.get(f"/v1/organisations/{pact.orgs['mission_locale']}/tasks", "mission_locale")
    ).json()
    [task] = [t for t in tasks["items"] if t["referral_id"] == referral]
    assert task["jobseeker_display_name"].startswith("Inès Vue")
    # A coordinator reads the same queue without identity data.
    coordinator = await pact.get(
        f"/v1/organisations/{pact.orgs['mission_locale']}/tasks", "mission_locale", "coordinator"
    )
    assert [t["jobseeker_display_name"] for t in coordinator.json()["items"]] == [None]
    # The inbox (a projection, written here as its consumer would) names the person only to who may see.
    await _project_inbox(pact, [referral])
    inbox = (await pact.get(f"/v1/organisations/{pact.orgs['plie']}/inbox", "plie")).json()
    assert [(i["referral_id"], i["jobseeker_display_name"]) for i in inbox["items"]] == [(referral, None)]


# ------------------------------------------------------------------ corrections
async def test_a_correction_changes_the_fields_keeps_their_history_and_audits_field_names_only(
    pact: Pact,
) -> None:
    last = f"Morel{_token()}"
    person = await _person(pact, "mission_locale", "Ines", last, email="ines@example.org")
    new_last = f"Durand{_token()}"
    corrected = await pact.client.patch(
        f"/v1/jobseekers/{person}",
        headers=pact.headers("mission_locale"),
        json={"first_name": "Inès", "last_name": new_last, "birth_date": "1990-07-15", "commune": "Nantes"},
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert (body["first_name"], body["last_name"], body["birth_date"], body["commune"]) == (
        "Inès",
        new_last,
        "1990-07-15",
        "Nantes",
    )
    history = (await pact.get(f"/v1/jobseekers/{person}/history", "mission_locale")).json()["items"]
    assert [(h["by_organisation_id"], h["fields"]) for h in history] == [
        (str(pact.orgs["mission_locale"]), ["birth_date", "commune", "first_name", "last_name"])
    ]
    async with _app(pact).state.sessions() as session:
        [previous] = (
            await session.execute(
                select(JobseekerCorrectionRow.previous).where(
                    JobseekerCorrectionRow.jobseeker_id == uuid.UUID(person)
                )
            )
        ).scalars()
        details = (
            (
                await session.execute(
                    select(infra.audit_log.c.detail).where(
                        infra.audit_log.c.resource_id == person, infra.audit_log.c.action == "correct"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert previous == {"first_name": "Ines", "last_name": last, "birth_date": "1990-07-14", "commune": None}
    assert details == ["fields: birth_date,commune,first_name,last_name"]
    # The normalised name follows the correction: the search finds the new name, not the old one.
    assert (await pact.get("/v1/jobseekers", "mission_locale", q=new_last)).json()["total"] == 1
    assert (await pact.get("/v1/jobseekers", "mission_locale", q=last)).json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "   "},
        {"last_name": None},
        {"birth_date": (date.today() + timedelta(days=2)).isoformat()},
        {"birth_date": "0001-01-01"},
        {"postcode": "4400"},
        {"email": "not-an-address"},
        {"referent_org_id": str(uuid.uuid4())},
        {"first_name": "In\u0000ès"},
        {"nationality_category": "algerian"},
        {"situation": ["diabetes"]},
    ],
)
async def test_a_correction_is_validated_like_a_registration_and_writes_nothing_when_refused(
    pact: Pact, body: dict[str, Any]
) -> None:
    person = await _person(pact, "mission_locale", "Inès", f"Valide{_token()}")
    response = await pact.client.patch(
        f"/v1/jobseekers/{person}", headers=pact.headers("mission_locale"), json=body
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (
        await pact.count(JobseekerCorrectionRow, JobseekerCorrectionRow.jobseeker_id == uuid.UUID(person))
        == 0
    )


async def test_another_organisation_can_neither_correct_a_person_nor_read_their_history(pact: Pact) -> None:
    person = await _person(pact, "mission_locale", "Inès", f"Autre{_token()}")
    patched = await pact.client.patch(
        f"/v1/jobseekers/{person}", headers=pact.headers("outsider"), json={"first_name": "Pirate"}
    )
    assert patched.status_code == 404
    assert (await pact.get(f"/v1/jobseekers/{person}/history", "outsider")).status_code == 404
    assert (await pact.get(f"/v1/jobseekers/{person}", "mission_locale")).json()["first_name"] == "Inès"
    assert (
        await pact.count(
            infra.audit_log,
            infra.audit_log.c.resource_id == person,
            infra.audit_log.c.action == "correct",
            infra.audit_log.c.outcome == "refused",
        )
        == 1
    )


# ------------------------------------------------------------------ a person's referrals
async def test_a_persons_referrals_are_those_the_caller_is_a_party_to_with_their_status(pact: Pact) -> None:
    person = await _person(pact, "mission_locale", "Inès", f"Orient{_token()}")
    to_plie = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    to_cap = (await pact.refer(person, "mission_locale", "cap_emploi")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{to_cap}/acknowledge", "cap_emploi")).status_code == 200

    mine = (await pact.get(f"/v1/jobseekers/{person}/referrals", "mission_locale")).json()["items"]
    assert {(r["referral_id"], r["status"], r["direction"]) for r in mine} == {
        (to_plie, "submitted", "outgoing"),
        (to_cap, "acknowledged", "outgoing"),
    }
    plie = (await pact.get(f"/v1/jobseekers/{person}/referrals", "plie")).json()["items"]
    assert [(r["referral_id"], r["direction"]) for r in plie] == [(to_plie, "incoming")]
    assert (await pact.get(f"/v1/jobseekers/{person}/referrals", "outsider")).status_code == 404


# ------------------------------------------------------------------ notes
async def test_notes_are_between_sender_and_receiver_and_their_text_leaves_no_trace_elsewhere(
    pact: Pact, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = await _person(pact, "mission_locale", "Inès", f"Note{_token()}")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    secret = f"Sa fille est malade, rendez-vous à décaler {_token()}"
    posted = await pact.post(f"/v1/referrals/{referral}/notes", "mission_locale", {"text": secret})
    assert posted.status_code == 201, posted.text
    answer = await pact.post(f"/v1/referrals/{referral}/notes", "plie", {"text": "Bien noté\nmardi 10 h"})
    assert answer.status_code == 201
    notes = (await pact.get(f"/v1/referrals/{referral}/notes", "plie")).json()["items"]
    assert [(n["author_organisation_id"], n["text"]) for n in notes] == [
        (str(pact.orgs["mission_locale"]), secret),
        (str(pact.orgs["plie"]), "Bien noté\nmardi 10 h"),
    ]
    for org in ("france_travail", "outsider"):
        assert (await pact.get(f"/v1/referrals/{referral}/notes", org)).status_code == 404
        intruding = await pact.post(f"/v1/referrals/{referral}/notes", org, {"text": "Coucou"})
        assert intruding.status_code == 404
    assert await pact.count(ReferralNoteRow, ReferralNoteRow.referral_id == uuid.UUID(referral)) == 2
    async with _app(pact).state.sessions() as session:
        payloads = (await session.execute(select(infra.outbox.c.payload))).scalars().all()
        details = (await session.execute(select(infra.audit_log.c.detail))).scalars().all()
    assert not any(secret.encode() in p for p in payloads)
    assert not any(d and secret in d for d in details)
    assert secret not in caplog.text


async def test_a_blank_note_is_refused(pact: Pact) -> None:
    person = await _person(pact, "mission_locale", "Inès", f"Vide{_token()}")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    blank = await pact.post(f"/v1/referrals/{referral}/notes", "mission_locale", {"text": "  "})
    assert blank.status_code == 422
    assert await pact.count(ReferralNoteRow, ReferralNoteRow.referral_id == uuid.UUID(referral)) == 0


# ------------------------------------------------------------------ duplicates
async def test_registering_a_likely_duplicate_warns_without_revealing_who_the_caller_may_not_see(
    pact: Pact,
) -> None:
    last = f"Doublon{_token()}"
    first = await _register(pact, "mission_locale", "Inès", last)
    assert (first.json()["possible_duplicates"], first.json()["duplicates_visible"]) == (0, [])
    elsewhere = await _register(pact, "plie", "INES", last.upper() + " ")
    assert elsewhere.status_code == 201
    assert (elsewhere.json()["possible_duplicates"], elsewhere.json()["duplicates_visible"]) == (1, [])
    assert first.json()["id"] not in elsewhere.text
    again = await _register(pact, "mission_locale", "inès", last)
    assert again.json()["possible_duplicates"] == 2
    assert again.json()["duplicates_visible"] == [first.json()["id"]]
    other_birth = await _register(pact, "mission_locale", "Inès", last, birth_date="1990-07-15")
    assert other_birth.json()["possible_duplicates"] == 0


async def test_the_coordination_merges_a_duplicate_referrals_and_journey_onto_the_kept_record(
    pact: Pact,
) -> None:
    last = f"Fusion{_token()}"
    kept = await _person(pact, "mission_locale", "Inès", last)
    duplicate = await _person(pact, "plie", "Ines", last, email="ines@example.org")
    referral = (await pact.refer(duplicate, "plie", "cap_emploi")).json()["id"]
    coordinator = pact.headers(pact.coordination, "coordinator")

    merged = await pact.client.post(
        f"/v1/jobseekers/{kept}/merge", headers=coordinator, json={"duplicate_id": duplicate}
    )
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"jobseeker_id": kept, "duplicate_id": duplicate}  # ids only
    kept_record = (await pact.get(f"/v1/jobseekers/{kept}", "mission_locale")).json()
    assert kept_record["email"] == "ines@example.org"  # only the duplicate knew it
    assert (await pact.get(f"/v1/jobseekers/{duplicate}", "plie")).status_code == 404
    assert await pact.count(JobseekerRow, JobseekerRow.id == uuid.UUID(duplicate)) == 0
    # The referral is now the kept record's; its parties, and the former référent (follow-up), see them.
    assert (await pact.get(f"/v1/referrals/{referral}", "cap_emploi")).json()["jobseeker_id"] == kept
    journey = (await pact.get(f"/v1/jobseekers/{kept}/journey", "plie")).json()
    assert journey["referent_org_id"] == str(pact.orgs["mission_locale"])
    assert str(pact.orgs["plie"]) in journey["follow_up_org_ids"]
    assert referral in journey["open_referral_ids"]
    assert "merged" in [h["kind"] for h in journey["history"]]
    assert await pact.count(JourneyEntryRow, JourneyEntryRow.jobseeker_id == uuid.UUID(duplicate)) == 0
    async with _app(pact).state.sessions() as session:
        payloads = (
            (
                await session.execute(
                    select(infra.outbox.c.payload).where(
                        infra.outbox.c.event_type == "jobseeker.merged.v1", infra.outbox.c.key == kept
                    )
                )
            )
            .scalars()
            .all()
        )
    [payload] = payloads
    data = json.loads(payload)["data"]
    assert data["duplicate_id"] == duplicate and data["jobseeker_id"] == kept
    assert last not in payload.decode() and "ines@example.org" not in payload.decode()


async def test_only_the_pact_coordination_merges_and_a_record_is_not_merged_with_itself(pact: Pact) -> None:
    last = f"Refus{_token()}"
    kept = await _person(pact, "mission_locale", "Inès", last)
    duplicate = await _person(pact, "mission_locale", "Inès", last)
    body = {"duplicate_id": duplicate}
    # A coordinator of another organisation: refused (403), nothing merged.
    other = await pact.client.post(
        f"/v1/jobseekers/{kept}/merge", headers=pact.headers("mission_locale", "coordinator"), json=body
    )
    assert other.status_code == 403
    assert await pact.count(JobseekerRow, JobseekerRow.id == uuid.UUID(duplicate)) == 1
    coordinator = pact.headers(pact.coordination, "coordinator")
    itself = await pact.client.post(
        f"/v1/jobseekers/{kept}/merge", headers=coordinator, json={"duplicate_id": kept}
    )
    assert itself.status_code == 409
    unknown = await pact.client.post(
        f"/v1/jobseekers/{kept}/merge", headers=coordinator, json={"duplicate_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 404
