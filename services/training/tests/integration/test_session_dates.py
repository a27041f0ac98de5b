"""The dates of a session rule what can be done with it: from its first day it takes nobody new, its
waitlist closes, and attendance and outcomes wait for the days they are about. On the real PostgreSQL
(and the stack's Temporal for the hourly close)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from relais_dev.stack import Stack
from relais_dev.testing import eventually, last_scheduled_result, triggered_schedule
from relais_shared.temporal import connect_temporal
from relais_training.workflows import CloseStartedSessionsWorkflow, SessionActivities, ensure_close_schedule

from .conftest import Clock, Pact

pytestmark = pytest.mark.integration


async def _enrol(pact: Pact, session: str) -> dict[str, Any]:
    answer = await pact.post(
        f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())}
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def _found(pact: Pact, **params: Any) -> set[str]:
    answer = await pact.client.get(
        "/v1/sessions", headers=pact.headers("counsellor", "counsellor"), params=params
    )
    return {s["id"] for s in answer.json()}


async def test_a_session_past_its_first_day_takes_no_enrolment_and_no_search_offers_it(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session(capacity=8))["id"]  # starts 2027-01-11, nobody enrolled
    clock.set("2027-01-11")
    refused = await pact.post(
        f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())}
    )
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert "a commencé le 11/01/2027" in refused.json()["detail"]
    read = (await pact.client.get(f"/v1/sessions/{session}", headers=pact.headers("provider"))).json()
    assert (read["state"], read["free_seats"], read["enrollable"]) == ("running", 0, False)
    assert session not in await _found(pact, free_seats=True)
    assert session not in await _found(pact, enrollable=True)
    assert session in await _found(pact, phase="running", provider_org_id=str(pact.orgs["provider"]))
    clock.set("2027-01-10")  # the day before, it was offered with its eight seats
    assert session in await _found(pact, free_seats=True) & await _found(pact, enrollable=True)


async def test_attendance_of_a_day_not_yet_come_is_refused_and_leaves_the_session_open(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session())["id"]
    trainee = await _enrol(pact, session)
    clock.set("2026-11-30")  # six weeks before the first day
    early = await pact.post(
        f"/v1/sessions/{session}/attendance",
        "provider",
        {"day": "2027-01-11", "present": {trainee["id"]: True}},
    )
    assert early.status_code == 422 and "n'est pas encore passé" in early.json()["detail"]
    read = (await pact.client.get(f"/v1/sessions/{session}", headers=pact.headers("provider"))).json()
    assert read["state"] == "open" and session in await _found(pact, free_seats=True)
    clock.set("2027-01-12")
    ok = await pact.post(
        f"/v1/sessions/{session}/attendance",
        "provider",
        {"day": "2027-01-11", "present": {trainee["id"]: True}},
    )
    assert ok.status_code == 200


async def test_no_completion_or_abandonment_is_recorded_before_the_first_day(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session())["id"]
    trainee = await _enrol(pact, session)
    clock.set("2027-01-10")
    completed = await pact.post(f"/v1/enrolments/{trainee['id']}/complete", "provider", {"certified": True})
    abandoned = await pact.post(
        f"/v1/enrolments/{trainee['id']}/abandon", "provider", {"reason_code": "health"}
    )
    assert (completed.status_code, abandoned.status_code) == (409, 409)
    assert "commence le 11/01/2027" in completed.json()["detail"]
    listed = (
        await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [e["status"] for e in listed] == ["confirmed"]


async def test_a_seat_freed_after_the_first_day_goes_to_nobody(pact: Pact, clock: Clock) -> None:
    session = (await pact.session(capacity=1))["id"]
    trainee, waiting = await _enrol(pact, session), await _enrol(pact, session)
    clock.set("2027-01-12")
    await pact.post(f"/v1/enrolments/{trainee['id']}/abandon", "provider", {"reason_code": "hired"})
    listed = (
        await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [(e["id"], e["status"]) for e in listed] == [
        (trainee["id"], "abandoned"),
        (waiting["id"], "waitlisted"),
    ]
    confirmations = [
        e for e in await pact.events("session_id", session) if e["type"] == "training.enrolment_confirmed.v1"
    ]
    assert len(confirmations) == 1  # the trainee's own, no promotion


async def test_the_hourly_close_makes_started_sessions_run_and_sends_their_waitlist_back(
    pact: Pact, clock: Clock, stack: Stack
) -> None:
    started = (await pact.session(capacity=1))["id"]
    later = (await pact.session(capacity=1, starts_on="2027-02-01", ends_on="2027-03-19"))["id"]
    seated, first, second = [await _enrol(pact, started) for _ in range(3)]
    await _enrol(pact, later)
    later_waiting = await _enrol(pact, later)
    clock.set("2027-01-11")

    app = pact.client._transport.app  # type: ignore[attr-defined]
    client = await connect_temporal(stack.temporal_address)
    task_queue = f"test-close-sessions-{uuid.uuid4().hex[:8]}"
    close = SessionActivities(app.state.sessions)
    async with triggered_schedule(
        client,
        ensure_close_schedule,
        task_queue,
        [CloseStartedSessionsWorkflow],
        [close.close_started_sessions],
    ) as handle:

        async def closed() -> bool:
            return bool(await pact.events("enrolment_id", second["id"]))

        await eventually(closed, "the started session's waitlist closed by the scheduled run", timeout=30)
        assert await last_scheduled_result(client, handle) >= 1  # the history holds a count, no id

    listed = (
        await pact.client.get(f"/v1/sessions/{started}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [(e["id"], e["status"], e["reason_code"]) for e in listed] == [
        (seated["id"], "confirmed", None),
        (first["id"], "cancelled", "waitlist_closed"),
        (second["id"], "cancelled", "waitlist_closed"),
    ]
    for waiting in (first, second):
        [event] = [
            e for e in await pact.events("enrolment_id", waiting["id"]) if e["type"].endswith("cancelled.v1")
        ]
        assert event["data"]["cause"] == "waitlist_closed"
    read = (await pact.client.get(f"/v1/sessions/{started}", headers=pact.headers("provider"))).json()
    assert read["state"] == "running"
    # A session not started yet keeps its waitlist.
    later_listed = (
        await pact.client.get(f"/v1/sessions/{later}/enrolments", headers=pact.headers("provider"))
    ).json()
    assert [e["status"] for e in later_listed] == ["confirmed", "waitlisted"]
    assert later_listed[1]["id"] == later_waiting["id"]


@pytest.mark.parametrize("first_day", ["2027-01-10", "2027-01-11"])  # yesterday, today
async def test_a_session_whose_first_day_is_not_ahead_is_a_422_naming_the_field_and_nothing_is_written(
    pact: Pact, clock: Clock, first_day: str
) -> None:
    clock.set("2027-01-11")
    offer = (await pact.post("/v1/offers", "provider", {"title": "CACES R489", "kind": "qualifying"})).json()
    body = {"offer_id": offer["id"], "starts_on": first_day, "ends_on": "2027-02-26", "commune": "Nantes"}
    refused = await pact.post("/v1/sessions", "provider", body | {"capacity": 8})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["starts_on"]
    assert "doit être à venir" in refused.json()["errors"][0]["message"]
    written = await pact.client.get(
        "/v1/sessions",
        headers=pact.headers("provider"),
        params={"offer_id": offer["id"], "include_closed": True},
    )
    assert written.json() == []
    clock.set(str(date.fromisoformat(first_day) - timedelta(days=1)))  # the day before: scheduled
    assert (await pact.post("/v1/sessions", "provider", body | {"capacity": 8})).status_code == 201
