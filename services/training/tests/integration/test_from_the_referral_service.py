"""What the training service does with the referral service's events, on the real PostgreSQL: a referral
naming a session is a request for a seat; an erased person is anonymised; a merged duplicate's enrolments
become the kept record's. The handler runs as the reliable consumer runs it, in one transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from relais_shared.consumer import PermanentError, check_contract
from relais_shared.envelope import IncomingEnvelope
from relais_training.consumer import CONTRACTS, handle
from relais_training.models import EnrolmentRow, infra

from .conftest import Clock, Pact

pytestmark = pytest.mark.integration


def _referral(pact: Pact, session: str, person: uuid.UUID, **extra: Any) -> IncomingEnvelope:
    referral = uuid.uuid4()
    data = {
        "referral_id": str(referral),
        "jobseeker_id": str(person),
        "sender_org_id": str(pact.orgs["counsellor"]),
        "receiver_org_id": str(pact.orgs["provider"]),
        "submitted_at": datetime.now(UTC).isoformat(),
        "acknowledgement_due": "2027-01-08",
        "receiver_departement": "44",
        "training_session_id": session,
        **extra,
    }
    return IncomingEnvelope(
        type="referral.submitted.v1",
        source="referral",
        subject=str(referral),
        dataschema="contracts/events/referral/referral.submitted.v1.schema.json",
        data=data,
    )


async def _run(pact: Pact, envelope: IncomingEnvelope) -> None:
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session, session.begin():
        await handle(session, envelope)


async def _events(pact: Pact, referral_id: str) -> list[dict[str, Any]]:
    return await pact.events("referral_id", referral_id)


async def test_a_referral_naming_a_session_takes_a_seat_and_its_confirmation_names_the_referral(
    pact: Pact,
) -> None:
    session = (await pact.session(capacity=1))["id"]
    first, second = _referral(pact, session, uuid.uuid4()), _referral(pact, session, uuid.uuid4())
    await _run(pact, first)
    await _run(pact, second)
    listed = (
        await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [(e["status"], e["referral_id"]) for e in listed] == [
        ("confirmed", first.data["referral_id"]),
        ("waitlisted", second.data["referral_id"]),
    ]
    [confirmed] = await _events(pact, first.data["referral_id"])
    assert confirmed["type"] == "training.enrolment_confirmed.v1"
    assert confirmed["data"]["provider_org_id"] == str(pact.orgs["provider"])


async def test_a_referral_put_on_the_waitlist_is_answered_by_a_waitlisted_event_with_its_rank(
    pact: Pact,
) -> None:
    session = (await pact.session(capacity=1))["id"]
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())})
    referrals = [_referral(pact, session, uuid.uuid4()) for _ in range(2)]
    for referral in referrals:
        await _run(pact, referral)
    answers = [await _events(pact, r.data["referral_id"]) for r in referrals]
    assert [[e["type"] for e in events] for events in answers] == [["training.enrolment_waitlisted.v1"]] * 2
    first = answers[0][0]["data"]
    assert first["provider_org_id"] == str(pact.orgs["provider"]) and first["session_id"] == session
    assert [events[0]["data"]["position"] for events in answers] == [1, 2]
    # Opaque ids, a rank and dates only: nothing that names the person.
    assert set(first) == {
        "enrolment_id",
        "jobseeker_id",
        "session_id",
        "provider_org_id",
        "referral_id",
        "position",
        "starts_on",
        "waitlisted_at",
    }


async def test_a_referral_to_a_session_already_started_is_answered_by_a_cancellation_saying_so(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session())["id"]
    clock.set("2027-01-11")  # its first day
    referral = _referral(pact, session, uuid.uuid4())
    await _run(pact, referral)
    [event] = await _events(pact, referral.data["referral_id"])
    assert (event["type"], event["data"]["cause"]) == ("training.enrolment_cancelled.v1", "session_started")


async def test_a_referral_for_a_person_the_provider_enrolled_already_is_answered_by_that_enrolment(
    pact: Pact,
) -> None:
    session = (await pact.session())["id"]
    person = uuid.uuid4()
    direct = await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(person)})
    referral = _referral(pact, session, person)
    await _run(pact, referral)
    listed = (
        await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [(e["id"], e["referral_id"]) for e in listed] == [
        (direct.json()["id"], referral.data["referral_id"])
    ]
    assert [e["type"] for e in await _events(pact, referral.data["referral_id"])] == [
        "training.enrolment_confirmed.v1"
    ]


async def test_a_referral_to_a_cancelled_session_is_answered_at_once_by_a_cancellation(pact: Pact) -> None:
    session = (await pact.session())["id"]
    await pact.post(f"/v1/sessions/{session}/cancel", "provider", None)
    referral = _referral(pact, session, uuid.uuid4())
    await _run(pact, referral)
    [event] = await _events(pact, referral.data["referral_id"])
    assert (event["type"], event["data"]["cause"]) == (
        "training.enrolment_cancelled.v1",
        "session_unavailable",
    )


async def test_a_referral_to_a_session_of_another_provider_or_unknown_is_a_permanent_error(
    pact: Pact,
) -> None:
    foreign = (await pact.session(who="other-provider"))["id"]
    for session in (foreign, str(uuid.uuid4())):
        with pytest.raises(PermanentError):
            await _run(pact, _referral(pact, session, uuid.uuid4()))
    listed = (
        await pact.client.get(f"/v1/sessions/{foreign}/enrolments", headers=pact.headers("other-provider"))
    ).json()
    assert listed == []


async def test_a_referral_without_a_session_is_not_a_request_for_a_seat(pact: Pact) -> None:
    referral = _referral(pact, str(uuid.uuid4()), uuid.uuid4(), training_session_id=None)
    await _run(pact, referral)  # neither an enrolment nor an error
    assert await _events(pact, referral.data["referral_id"]) == []


async def test_an_erased_person_loses_the_link_to_their_enrolments_and_their_seat_goes_to_the_waitlist(
    pact: Pact, clock: Clock
) -> None:
    clock.set(str(date.today() - timedelta(days=31)))  # scheduled and enrolled the day before the first day
    started = (await pact.session(capacity=1, starts_on=str(date.today() - timedelta(days=30))))["id"]
    upcoming = (await pact.session(capacity=1))["id"]
    person, waiting = uuid.uuid4(), uuid.uuid4()
    past = (
        await pact.post(f"/v1/sessions/{started}/enrolments", "provider", {"jobseeker_id": str(person)})
    ).json()
    clock.set(str(date.today()))
    await pact.post(f"/v1/enrolments/{past['id']}/complete", "provider", {"certified": True})
    referral = _referral(pact, upcoming, person)
    await _run(pact, referral)
    await pact.post(f"/v1/sessions/{upcoming}/enrolments", "provider", {"jobseeker_id": str(waiting)})

    erased = IncomingEnvelope(
        type="jobseeker.erased.v1",
        source="referral",
        subject=str(person),
        dataschema="contracts/events/jobseeker/jobseeker.erased.v1.schema.json",
        data={"jobseeker_id": str(person), "erased_at": datetime.now(UTC).isoformat(), "reason": "request"},
    )
    await _run(pact, erased)

    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        still = (await session.execute(select(EnrolmentRow).where(EnrolmentRow.jobseeker_id == person))).all()
        held = (
            await session.execute(select(EnrolmentRow).where(EnrolmentRow.referral_id.is_not(None)))
        ).scalars()
        assert still == []
        assert referral.data["referral_id"] not in {str(r.referral_id) for r in held}
    completed = (
        await pact.client.get(f"/v1/sessions/{started}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [(e["status"], e["outcome"]) for e in completed] == [("completed", "certified")]  # figures stay
    seats = (
        await pact.client.get(f"/v1/sessions/{upcoming}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [(e["status"], e["reason_code"]) for e in seats] == [("cancelled", "erased"), ("confirmed", None)]
    assert seats[1]["jobseeker_id"] == str(waiting)


def _merged(kept: uuid.UUID, duplicate: uuid.UUID) -> IncomingEnvelope:
    merged = IncomingEnvelope(
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
    assert check_contract(merged, CONTRACTS)  # the consumer reads it, instead of skipping an unknown type
    return merged


async def _enrolments(pact: Pact, session: str) -> list[dict[str, Any]]:
    listed = await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    assert listed.status_code == 200, listed.text
    return list(listed.json())


async def _outbox(pact: Pact) -> list[dict[str, Any]]:
    """Every event of the outbox, in order (the merges' tests read what a merge adds to it)."""
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        payloads = await session.execute(select(infra.outbox.c.payload).order_by(infra.outbox.c.id))
        return [json.loads(p) for p in payloads.scalars()]


async def _held_by(pact: Pact, person: uuid.UUID) -> list[EnrolmentRow]:
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        found = await session.execute(select(EnrolmentRow).where(EnrolmentRow.jobseeker_id == person))
        return list(found.scalars())


async def test_a_merge_moves_the_duplicates_enrolments_to_the_kept_record_and_publishes_nothing(
    pact: Pact,
) -> None:
    one, other, withdrawn = [(await pact.session())["id"] for _ in range(3)]
    kept, duplicate = uuid.uuid4(), uuid.uuid4()
    await pact.post(f"/v1/sessions/{one}/enrolments", "provider", {"jobseeker_id": str(kept)})
    referral = _referral(pact, other, duplicate)
    await _run(pact, referral)
    gone = await pact.post(
        f"/v1/sessions/{withdrawn}/enrolments", "provider", {"jobseeker_id": str(duplicate)}
    )
    await pact.post(f"/v1/enrolments/{gone.json()['id']}/cancel", "provider", None)
    before = await _outbox(pact)

    await _run(pact, _merged(kept, duplicate))

    assert await _held_by(pact, duplicate) == []
    held = {(str(e.session_id), e.status, e.referral_id) for e in await _held_by(pact, kept)}
    assert held == {
        (one, "confirmed", None),
        (other, "confirmed", uuid.UUID(referral.data["referral_id"])),
        (withdrawn, "cancelled", None),
    }
    assert await _outbox(pact) == before  # nothing changed for the person: no event to tell


async def test_a_person_merged_with_a_seat_on_both_records_keeps_one_and_the_other_goes_to_the_waitlist(
    pact: Pact,
) -> None:
    session = (await pact.session(capacity=2))["id"]
    kept, duplicate, waiting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    own = await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(kept)})
    referral = _referral(pact, session, duplicate)
    await _run(pact, referral)
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(waiting)})
    before = await _outbox(pact)

    await _run(pact, _merged(kept, duplicate))

    enrolments = await _enrolments(pact, session)
    assert [(e["jobseeker_id"], e["status"], e["reason_code"]) for e in enrolments] == [
        (str(kept), "confirmed", None),  # the kept record's seat stays
        (str(kept), "cancelled", "merged"),  # the duplicate's is freed…
        (str(waiting), "confirmed", None),  # …for the first of the waitlist
    ]
    # The referral that asked for the duplicate's seat is answered by the seat the person keeps.
    assert (enrolments[0]["id"], enrolments[0]["referral_id"]) == (
        own.json()["id"],
        referral.data["referral_id"],
    )
    assert enrolments[1]["referral_id"] is None
    found = (await pact.client.get(f"/v1/sessions/{session}", headers=pact.headers("provider"))).json()
    assert (found["confirmed"], found["state"]) == (2, "full")
    added = (await _outbox(pact))[len(before) :]
    assert sorted(
        (e["type"], e["data"]["jobseeker_id"], e["data"].get("referral_id")) for e in added
    ) == sorted(
        [
            ("training.enrolment_confirmed.v1", str(waiting), None),  # promoted
            ("training.enrolment_confirmed.v1", str(kept), referral.data["referral_id"]),
        ]
    )  # and no cancellation: the person did not lose their place, nobody is sent back to a counsellor


async def test_a_merge_keeps_the_seat_of_the_duplicate_rather_than_the_kept_records_place_on_the_waitlist(
    pact: Pact,
) -> None:
    session = (await pact.session(capacity=1))["id"]
    kept, duplicate = uuid.uuid4(), uuid.uuid4()
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(duplicate)})
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(kept)})

    await _run(pact, _merged(kept, duplicate))

    assert [(e["jobseeker_id"], e["status"], e["reason_code"]) for e in await _enrolments(pact, session)] == [
        (str(kept), "confirmed", None),
        (str(kept), "cancelled", "merged"),
    ]
    found = (await pact.client.get(f"/v1/sessions/{session}", headers=pact.headers("provider"))).json()
    assert (found["confirmed"], found["state"]) == (1, "full")


async def test_a_redelivered_merge_changes_nothing_more(pact: Pact) -> None:
    session = (await pact.session(capacity=2))["id"]
    kept, duplicate, waiting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(kept)})
    await _run(pact, _referral(pact, session, duplicate))
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(waiting)})
    merged = _merged(kept, duplicate)
    await _run(pact, merged)
    enrolments, events = await _enrolments(pact, session), await _outbox(pact)
    assert [(e["jobseeker_id"], e["status"]) for e in enrolments] == [
        (str(kept), "confirmed"),
        (str(kept), "cancelled"),
        (str(waiting), "confirmed"),
    ]
    seats = (await pact.client.get(f"/v1/sessions/{session}", headers=pact.headers("provider"))).json()

    await _run(pact, merged)

    assert await _enrolments(pact, session) == enrolments
    assert await _outbox(pact) == events
    again = (await pact.client.get(f"/v1/sessions/{session}", headers=pact.headers("provider"))).json()
    assert again["confirmed"] == seats["confirmed"] == 2
