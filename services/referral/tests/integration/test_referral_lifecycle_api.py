"""The referral lifecycle through the API, against the real PostgreSQL: who may do what, and when."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from relais_referral.db.models import TaskRow, infra

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py

SOON = (datetime.now(UTC) + timedelta(days=3)).isoformat()


async def test_each_transition_is_allowed_only_to_the_organisation_whose_turn_it_is(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    url = f"/v1/referrals/{referral}"
    # The sender may not act in the receiver's place, and the receiver may not withdraw.
    for action, body in (
        ("acknowledge", None),
        ("accept", None),
        ("appointment", {"appointment_at": SOON}),
        ("refuse", {"reason": "no_capacity"}),
    ):
        refused = await pact.post(f"{url}/{action}", "mission_locale", body)
        assert refused.status_code == 403, (action, refused.text)
    assert (await pact.post(f"{url}/withdraw", "plie")).status_code == 403
    # An uninvolved organisation does not even learn that the referral exists.
    assert (await pact.post(f"{url}/accept", "outsider")).status_code == 404
    # Coordinators and evaluators do not act on referrals.
    assert (await pact.post(f"{url}/acknowledge", "plie", None, "evaluator")).status_code == 403
    acknowledged = await pact.post(f"{url}/acknowledge", "plie")
    assert acknowledged.json()["status_label"] == "Réception confirmée"
    again = await pact.post(f"{url}/acknowledge", "plie")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/invalid-transition")
    audit = infra.audit_log.c
    assert await pact.count(infra.audit_log, audit.resource_id == referral, audit.outcome == "refused") >= 7


async def test_a_refusal_returns_the_case_to_the_sender_with_a_reorientation_task(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    refused = await pact.post(
        f"/v1/referrals/{referral}/refuse",
        "plie",
        {"reason": "better_suited_elsewhere", "comment": "Plutôt Cap emploi", "shared_with_jobseeker": True},
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused"
    assert refused.json()["refusal_reason_label"] == "Mieux accompagnée ailleurs"
    tasks = (
        await pact.get(f"/v1/organisations/{pact.orgs['mission_locale']}/tasks", "mission_locale")
    ).json()
    [task] = [t for t in tasks["items"] if t["referral_id"] == referral]
    assert task["kind"] == "reorient"
    assert task["label"] == "Réorienter la personne"
    assert 9 <= task["working_days_left"] <= 10
    journey = (await pact.get(f"/v1/jobseekers/{person}/journey", "mission_locale")).json()
    assert journey["referent_org_id"] == str(pact.orgs["mission_locale"])  # warm hand-off: never dropped


async def test_refusing_for_another_reason_requires_a_comment(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    response = await pact.post(f"/v1/referrals/{referral}/refuse", "plie", {"reason": "other"})
    assert response.status_code == 422
    assert (await pact.get(f"/v1/referrals/{referral}", "plie")).json()["status"] == "submitted"


async def test_accepting_makes_the_receiver_referent_and_the_other_open_referrals_obsolete(
    pact: Pact,
) -> None:
    person = await pact.person()
    to_plie = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    to_cap = (await pact.refer(person, "mission_locale", "cap_emploi")).json()["id"]
    accepted = await pact.post(f"/v1/referrals/{to_cap}/accept", "cap_emploi")
    assert accepted.json()["status"] == "accepted"
    assert (await pact.get(f"/v1/referrals/{to_plie}", "plie")).json()["status"] == "obsolete"
    journey = (await pact.get(f"/v1/jobseekers/{person}/journey", "cap_emploi")).json()
    assert journey["referent_org_id"] == str(pact.orgs["cap_emploi"])
    assert journey["follow_up_org_ids"] == [str(pact.orgs["mission_locale"])]
    kinds = [entry["kind"] for entry in journey["history"]]
    assert kinds == ["referral_submitted", "referral_submitted", "referral_accepted", "referral_obsolete"]


async def test_the_second_no_show_returns_the_referral_to_the_sender(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    url = f"/v1/referrals/{referral}"
    await pact.post(f"{url}/appointment", "plie", {"appointment_at": SOON})
    await pact.meeting_time_comes(referral)
    first = await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": "no_show"})
    assert first.json()["status"] == "acknowledged"  # re-invitation
    await pact.post(f"{url}/appointment", "plie", {"appointment_at": SOON})
    excused = await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": "excused"})
    assert excused.json()["no_shows"] == 1
    await pact.post(f"{url}/appointment", "plie", {"appointment_at": SOON})
    await pact.meeting_time_comes(referral)
    second = await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": "no_show"})
    assert second.json()["status"] == "refused"
    assert second.json()["refusal_reason"] == "unreachable"
    async with pact.client._transport.app.state.sessions() as session:  # type: ignore[attr-defined]
        task = (
            await session.execute(select(TaskRow).where(TaskRow.referral_id == uuid.UUID(referral)))
        ).scalar_one()
    assert task.org_id == pact.orgs["mission_locale"]


async def test_presence_or_absence_is_recorded_once_the_appointment_time_has_come_an_excuse_before(
    pact: Pact,
) -> None:
    referral = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()["id"]
    url = f"/v1/referrals/{referral}"
    assert (await pact.post(f"{url}/appointment", "plie", {"appointment_at": SOON})).status_code == 200
    for outcome in ("seen", "no_show"):
        early = await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": outcome})
        assert early.status_code == 422 and "heure du rendez-vous" in early.json()["detail"], early.text
    fetched = (await pact.get(url, "plie")).json()
    assert (fetched["status"], fetched["appointment_outcome"]) == ("appointment_scheduled", None)
    excused = await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": "excused"})
    assert excused.status_code == 200 and excused.json()["appointment_outcome"] == "excused"
    await pact.post(f"{url}/appointment", "plie", {"appointment_at": SOON})
    await pact.meeting_time_comes(referral)
    seen = await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": "seen"})
    assert seen.status_code == 200 and seen.json()["appointment_outcome"] == "seen"


async def test_an_appointment_cannot_be_scheduled_in_the_past(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = await pact.post(f"/v1/referrals/{referral}/appointment", "plie", {"appointment_at": past})
    assert response.status_code == 422


async def test_a_person_released_without_referral_gets_a_coordination_task_and_can_be_given_a_referent(
    pact: Pact,
) -> None:
    person = await pact.person()
    released = await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    assert released.status_code == 200, released.text
    assert released.json()["referent_org_id"] is None
    [task] = released.json()["open_tasks"]
    assert task["kind"] == "assign_referent"
    assert task["org_id"] == str(pact.coordination)
    # Only the pact coordination designates a référent.
    body = {"org_id": str(pact.orgs["plie"])}
    assert (
        await pact.post(f"/v1/jobseekers/{person}/assign-referent", "plie", body, "coordinator")
    ).status_code == 403
    assigned = await pact.post(
        f"/v1/jobseekers/{person}/assign-referent", pact.coordination, body, "coordinator"
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["referent_org_id"] == str(pact.orgs["plie"])
    # Nobody referred the person to the PLIE: it is told by a task to contact them.
    [contact] = assigned.json()["open_tasks"]
    assert (contact["kind"], contact["org_id"]) == ("first_contact", str(pact.orgs["plie"]))
    queue = await pact.get(f"/v1/organisations/{pact.orgs['plie']}/tasks", "plie", status="open")
    assert [t["kind"] for t in queue.json()["items"]] == ["first_contact"]
    assert queue.json()["items"][0]["due"] is not None


@pytest.mark.parametrize("kind", ["training_provider", "employer", "buyer", None])
async def test_the_coordination_designates_as_referent_only_a_structure_of_the_directory_that_accompanies(
    pact: Pact, kind: str | None
) -> None:
    """A training provider or an employer takes a person in charge for one step, never for the journey;
    an organisation unknown to the directory is a mistyped id. Both were accepted as référent."""
    org = uuid.uuid4()
    if kind is not None:
        created = await pact.post(
            "/v1/organisations",
            pact.coordination,
            {"id": str(org), "name": f"Test {kind} {org.hex[:6]}", "kind": kind, "departement": "44"},
            "admin",
        )
        assert created.status_code == 201, created.text
    person = await pact.person()
    await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    refused = await pact.post(
        f"/v1/jobseekers/{person}/assign-referent", pact.coordination, {"org_id": str(org)}, "coordinator"
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    journey = (await pact.get(f"/v1/jobseekers/{person}/journey", pact.coordination, "coordinator")).json()
    assert journey["referent_org_id"] is None
    assert [t["kind"] for t in journey["open_tasks"]] == ["assign_referent"]  # still the coordination's


async def test_the_coordination_designates_a_referent_knowing_the_persons_situation_in_categories_only(
    pact: Pact,
) -> None:
    """Under 26 points to the Mission locale, a recognised disability to Cap emploi…: the coordination
    reads the categories that decide it, and still no identity (it reads only the journey)."""
    created = await pact.post(
        "/v1/jobseekers",
        "mission_locale",
        {
            "first_name": "Yanis",
            "last_name": "Benali",
            "birth_date": (date.today() - timedelta(days=365 * 21)).isoformat(),
            "postcode": "44300",
            "education_level": "3",
            "situation": ["rsa", "disability_recognised"],
        },
    )
    assert created.status_code == 201, created.text
    person = created.json()["id"]
    await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    journey = await pact.get(f"/v1/jobseekers/{person}/journey", pact.coordination, "coordinator")
    assert journey.status_code == 200, journey.text
    assert journey.json()["profile"] == {
        "age_band": "under_26",
        "education_level": "3",
        "qpv_resident": None,
        "long_term_unemployed": False,
        "minimum_income": True,
        "disability": True,
    }
    assert not {"Yanis", "Benali", created.json()["birth_date"]} & set(_strings(journey.json()))


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


async def test_exit_closes_open_referrals_and_schedules_follow_ups_at_three_six_and_twelve_months(
    pact: Pact,
) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    exited = await pact.post(
        f"/v1/jobseekers/{person}/exit", "mission_locale", {"outcome": "durable_employment"}
    )
    assert exited.status_code == 200, exited.text
    assert exited.json()["in_pact"] is False
    dues = sorted(t["due"] for t in exited.json()["open_tasks"] if t["kind"] == "outcome_follow_up")
    assert len(dues) == 3
    assert (await pact.get(f"/v1/referrals/{referral}", "plie")).json()["status"] == "obsolete"
    after = await pact.refer(person, "mission_locale", "cap_emploi")
    assert after.status_code == 409


async def test_the_exit_ends_the_accompaniment_under_way_with_the_exit_situation_as_its_outcome(
    pact: Pact,
) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{referral}/accept", "plie")).status_code == 200
    exited = await pact.post(f"/v1/jobseekers/{person}/exit", "plie", {"outcome": "cdi"})
    assert exited.status_code == 200, exited.text
    closed = (await pact.get(f"/v1/referrals/{referral}", "mission_locale")).json()
    assert (closed["status"], closed["outcome"]) == ("closed", "cdi")
    lines = [(e["kind"], e["detail"]) for e in exited.json()["history"]]
    assert lines[-2:] == [("exit", "cdi"), ("referral_closed", "cdi")]


async def test_a_hire_makes_open_referrals_obsolete_and_is_recorded_in_the_journey(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    hired = await pact.post(
        f"/v1/jobseekers/{person}/life-events",
        "mission_locale",
        {"kind": "hired", "contract_type": "CDI", "weekly_hours": 35},
    )
    assert hired.status_code == 200, hired.text
    assert (await pact.get(f"/v1/referrals/{referral}", "plie")).json()["status"] == "obsolete"
    kinds = [(entry["kind"], entry["detail"]) for entry in hired.json()["history"]]
    assert kinds == [
        ("referral_submitted", None),
        ("life_event_hired", "CDI 35h"),
        ("referral_obsolete", "hired"),
    ]


async def test_submitting_to_a_full_service_warns_and_suggests_open_ones_of_the_same_kind(pact: Pact) -> None:
    admin = pact.headers(pact.coordination, "admin")
    other_plie = uuid.uuid4()
    neighbour = await pact.client.post(
        "/v1/organisations",
        headers=admin,
        json={"id": str(other_plie), "name": "AAA PLIE voisin", "kind": "plie", "departement": "44"},
    )
    assert neighbour.status_code == 201, neighbour.text
    full = await pact.client.put(
        f"/v1/organisations/{pact.orgs['plie']}/capacity",
        headers=pact.headers("plie"),
        json={"capacity_status": "full"},
    )
    assert full.status_code == 200
    not_theirs = await pact.client.put(
        f"/v1/organisations/{pact.orgs['plie']}/capacity",
        headers=pact.headers("cap_emploi"),
        json={"capacity_status": "open"},
    )
    assert not_theirs.status_code == 404
    person = await pact.person()
    response = await pact.refer(person, "mission_locale", "plie")
    assert response.status_code == 201
    assert "complète" in response.json()["warnings"][0]
    alternatives = response.json()["alternatives"]
    assert {(alt["kind"], alt["capacity_status"]) for alt in alternatives} == {("plie", "open")}
    assert str(pact.orgs["plie"]) not in {alt["id"] for alt in alternatives}
    # The first five by name in the same département: ours, unless earlier runs left five that tie with
    # it or sort before it (the database is shared with them).
    assert str(other_plie) in {alt["id"] for alt in alternatives} or (
        len(alternatives) == 5 and all(alt["name"] <= "AAA PLIE voisin" for alt in alternatives)
    )


async def test_the_work_queue_shows_incoming_and_outgoing_referrals_with_time_left(pact: Pact) -> None:
    for _ in range(3):
        await pact.refer(await pact.person(), "mission_locale", "plie")
    incoming = (await pact.get(f"/v1/organisations/{pact.orgs['plie']}/referrals", "plie", limit=2)).json()
    assert incoming["total"] == 3
    assert len(incoming["items"]) == 2
    assert all(item["working_days_left"] == 5 for item in incoming["items"])
    assert incoming["items"][0]["status_label"] == "Envoyée"
    outgoing = (
        await pact.get(
            f"/v1/organisations/{pact.orgs['mission_locale']}/referrals",
            "mission_locale",
            direction="outgoing",
        )
    ).json()
    assert outgoing["total"] == 3
    assert {item["partner_org_id"] for item in outgoing["items"]} == {str(pact.orgs["plie"])}
    assert (
        await pact.get(f"/v1/organisations/{pact.orgs['plie']}/referrals", "mission_locale")
    ).status_code == 404


async def test_an_appointment_in_the_work_queue_is_due_the_next_working_day_then_the_decision_is(
    pact: Pact,
) -> None:
    referral = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()["id"]
    friday = "2027-01-08T10:00:00+01:00"  # outcome due by Monday 11, the next working day
    scheduled = await pact.post(f"/v1/referrals/{referral}/appointment", "plie", {"appointment_at": friday})
    assert scheduled.status_code == 200, scheduled.text
    queue = (await pact.get(f"/v1/organisations/{pact.orgs['plie']}/referrals", "plie")).json()
    [item] = [i for i in queue["items"] if i["referral_id"] == referral]
    assert item["next_deadline"] == "2027-01-11"
    await pact.meeting_time_comes(referral)
    await pact.post(f"/v1/referrals/{referral}/appointment-outcome", "plie", {"outcome": "seen"})
    queue = (await pact.get(f"/v1/organisations/{pact.orgs['plie']}/referrals", "plie")).json()
    [item] = [i for i in queue["items"] if i["referral_id"] == referral]
    # The outcome is in: the receiver's decision is due next (the coordination is alerted after it).
    assert item["next_deadline_kind"] == "decision"


async def test_a_new_policy_version_applies_to_new_referrals_only(pact: Pact) -> None:
    versions = (await pact.get("/v1/referral-policies", "cap_emploi")).json()
    current = [v for v in versions if v["org_kind"] == "cap_emploi"] or [
        v for v in versions if v["org_kind"] == "*"
    ]
    current_days = current[-1]["acknowledgement_days"]
    new_days = 3 if current_days != 3 else 4
    person = await pact.person()
    before = (await pact.refer(person, "mission_locale", "cap_emploi")).json()
    body = {
        "reminder_days": 2,
        "acknowledgement_days": new_days,
        "manager_escalation_days": new_days,
        "coordination_escalation_days": 8,
        "expiry_days": 20,
        "reorient_days": 10,
        "appointment_outcome_days": 1,
        "max_no_shows": 2,
        "unaccompanied_days": 5,
    }
    assert (await pact.post("/v1/referral-policies/cap_emploi", "cap_emploi", body)).status_code == 403
    published = await pact.post("/v1/referral-policies/cap_emploi", pact.coordination, body, "coordinator")
    assert published.status_code == 201, published.text
    incoherent = await pact.post(
        "/v1/referral-policies/cap_emploi", pact.coordination, {**body, "expiry_days": 1}, "coordinator"
    )
    assert incoherent.status_code == 422
    after = (await pact.refer(await pact.person(), "mission_locale", "cap_emploi")).json()
    work = (await pact.get(f"/v1/organisations/{pact.orgs['cap_emploi']}/referrals", "cap_emploi")).json()
    left = {item["referral_id"]: item["working_days_left"] for item in work["items"]}
    assert left[before["id"]] == current_days
    assert left[after["id"]] == new_days


async def test_only_the_pact_coordination_administers_the_directory(pact: Pact) -> None:
    body = {"name": "Structure fantôme", "kind": "association", "departement": "44"}
    elsewhere = await pact.post("/v1/organisations", "plie", body, "admin")
    assert elsewhere.status_code == 403
    assert (await pact.post("/v1/organisations", pact.coordination, body, "admin")).status_code == 201


async def test_a_referent_cannot_let_go_while_its_own_referral_awaits_an_answer(pact: Pact) -> None:
    person = await pact.person()
    await pact.refer(person, "mission_locale", "plie")
    refused = await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    assert refused.status_code == 409


async def test_only_the_referent_declares_a_life_event(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    # The receiver sees the person (open referral) but is not responsible for them yet.
    moved = await pact.post(f"/v1/jobseekers/{person}/life-events", "plie", {"kind": "moved_out"})
    assert moved.status_code == 403
    assert (await pact.get(f"/v1/referrals/{referral}", "plie")).json()["status"] == "submitted"


async def test_a_refused_referral_no_longer_opens_the_person_to_the_receiver(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    assert (await pact.get(f"/v1/jobseekers/{person}", "plie")).status_code == 200
    await pact.post(f"/v1/referrals/{referral}/refuse", "plie", {"reason": "no_capacity"})
    assert (await pact.get(f"/v1/jobseekers/{person}", "plie")).status_code == 404


async def test_reading_a_referral_is_for_counsellors_and_is_audited(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    assert (await pact.get(f"/v1/referrals/{referral}", "plie", "evaluator")).status_code == 403
    assert (await pact.get(f"/v1/referrals/{referral}", "plie")).status_code == 200
    audit = infra.audit_log.c
    assert (
        await pact.count(
            infra.audit_log, audit.resource_id == referral, audit.action == "read", audit.outcome == "allowed"
        )
        == 1
    )


async def test_an_appointment_without_time_zone_is_refused_as_invalid_data(pact: Pact) -> None:
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    response = await pact.post(
        f"/v1/referrals/{referral}/appointment", "plie", {"appointment_at": "2027-01-07T10:00"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_organisation_id_already_in_the_directory_gets_a_conflict_problem_not_a_crash(
    pact: Pact,
) -> None:
    duplicate = {"id": str(pact.orgs["plie"]), "name": "Doublon", "kind": "plie", "departement": "44"}
    response = await pact.post("/v1/organisations", pact.coordination, duplicate, "admin")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/conflict")


@pytest.mark.parametrize(
    ("action", "path", "body"),
    [
        ("refers the person", "/v1/referrals", None),
        ("records a life event", "/v1/jobseekers/{person}/life-events", {"kind": "hired"}),
        ("records the exit", "/v1/jobseekers/{person}/exit", {"outcome": "cdi"}),
    ],
)
async def test_the_designated_referents_first_contact_task_closes_when_it_acts_on_the_person(
    pact: Pact, action: str, path: str, body: dict[str, Any] | None
) -> None:
    person = await pact.person()
    await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    assigned = await pact.post(
        f"/v1/jobseekers/{person}/assign-referent",
        pact.coordination,
        {"org_id": str(pact.orgs["plie"])},
        "coordinator",
    )
    [contact] = assigned.json()["open_tasks"]
    if body is None:
        done = await pact.refer(person, "plie", "mission_locale")
    else:
        done = await pact.post(path.format(person=person), "plie", body)
    assert done.status_code in (200, 201), (action, done.text)

    async def plie_tasks(status: str) -> list[str]:
        page = await pact.get(
            f"/v1/organisations/{pact.orgs['plie']}/tasks", "plie", status=status, limit=200
        )
        items = page.json()["items"]
        return [t["id"] for t in items if t["jobseeker_id"] == person and t["kind"] == "first_contact"]

    assert await plie_tasks("open") == [], action
    assert await plie_tasks("done") == [contact["id"]], action
