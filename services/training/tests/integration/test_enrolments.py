"""Seats, waitlist and outcomes on the real PostgreSQL, through the API."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from .conftest import Clock, Pact

pytestmark = pytest.mark.integration


async def _events(pact: Pact, session_id: str) -> list[dict]:  # type: ignore[type-arg]
    return await pact.events("session_id", session_id)


async def test_fifty_simultaneous_requests_for_ten_seats_confirm_exactly_ten_and_waitlist_forty(
    pact: Pact,
) -> None:
    session = (await pact.session(capacity=10))["id"]
    answers = await asyncio.gather(
        *(
            pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())})
            for _ in range(50)
        )
    )
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers if a.status_code != 201][:2]
    statuses = [a.json()["status"] for a in answers]
    assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (10, 40)
    listed = (
        await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    ).json()
    waitlist = [e for e in listed if e["status"] == "waitlisted"]
    assert [e["position"] for e in waitlist] == sorted(e["position"] for e in waitlist)
    confirmed_events = [
        e for e in await _events(pact, session) if e["type"] == "training.enrolment_confirmed.v1"
    ]
    assert len(confirmed_events) == 10

    # A cancellation gives the seat to the first of the waitlist, and says so once.
    first_confirmed = next(e for e in listed if e["status"] == "confirmed")
    cancelled = await pact.post(f"/v1/enrolments/{first_confirmed['id']}/cancel", "provider", None)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["promoted"]["id"] == waitlist[0]["id"]
    again = await pact.post(f"/v1/enrolments/{first_confirmed['id']}/cancel", "provider", None)
    assert again.status_code == 409
    promoted_events = [
        e
        for e in await _events(pact, session)
        if e["type"] == "training.enrolment_confirmed.v1" and e["data"]["promoted_from_waitlist"]
    ]
    assert [e["data"]["enrolment_id"] for e in promoted_events] == [waitlist[0]["id"]]
    search = (
        await pact.client.get(
            "/v1/sessions", headers=pact.headers("counsellor", "counsellor"), params={"free_seats": True}
        )
    ).json()
    assert session not in {s["id"] for s in search}  # still full: the freed seat went to the waitlist


async def test_an_abandonment_asks_for_a_reorientation_and_a_cancelled_session_sends_everyone_back(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session(capacity=2))["id"]
    people = [str(uuid.uuid4()) for _ in range(3)]
    enrolments = [
        (await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": p})).json()
        for p in people
    ]
    clock.set("2027-01-13")  # the session runs
    abandoned = await pact.post(
        f"/v1/enrolments/{enrolments[0]['id']}/abandon", "provider", {"reason_code": "mobility"}
    )
    assert abandoned.status_code == 200 and abandoned.json()["status"] == "abandoned"
    cancelled = await pact.post(f"/v1/sessions/{session}/cancel", "provider", None)
    # The one still confirmed, and the one still waiting (a started session promotes nobody).
    assert cancelled.json() == {"enrolments_cancelled": 2}
    types = [e["type"] for e in await _events(pact, session)]
    assert types.count("training.enrolment_abandoned.v1") == 1
    assert types.count("training.enrolment_cancelled.v1") == 2
    refused = await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": people[0]})
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_on": "2027-03-20"}, None),  # dates reversed
        ({"capacity": 0}, None),
        ({"capacity": -3}, None),
    ],
)
async def test_bad_sessions_are_refused_and_change_nothing(
    pact: Pact, change: dict, field: str | None
) -> None:  # type: ignore[type-arg]
    offer = (
        await pact.post("/v1/offers", "provider", {"title": "Numérique — premiers pas", "kind": "digital"})
    ).json()
    body = {
        "offer_id": offer["id"],
        "starts_on": "2027-01-11",
        "ends_on": "2027-03-19",
        "commune": "Rezé",
        "capacity": 8,
        **change,
    }
    refused = await pact.post("/v1/sessions", "provider", body)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    mine = (
        await pact.client.get(
            "/v1/sessions", headers=pact.headers("provider"), params={"starts_after": "2027-01-01"}
        )
    ).json()
    assert offer["id"] not in {s["offer_id"] for s in mine}


async def test_unknown_or_foreign_sessions_are_404_and_a_counsellor_may_not_enrol_directly(
    pact: Pact,
) -> None:
    session = (await pact.session())["id"]
    unknown = await pact.post(
        f"/v1/sessions/{uuid.uuid4()}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())}
    )
    foreign = await pact.post(
        f"/v1/sessions/{session}/enrolments", "other-provider", {"jobseeker_id": str(uuid.uuid4())}
    )
    listed = await pact.client.get(
        f"/v1/sessions/{session}/enrolments", headers=pact.headers("other-provider")
    )
    assert (unknown.status_code, foreign.status_code, listed.status_code) == (404, 404, 404)
    assert {r.headers["content-type"] for r in (unknown, foreign, listed)} == {"application/problem+json"}
    by_counsellor = await pact.post(
        f"/v1/sessions/{session}/enrolments",
        "counsellor",
        {"jobseeker_id": str(uuid.uuid4())},
        role="counsellor",
    )
    assert by_counsellor.status_code == 403


async def test_attendance_is_for_confirmed_trainees_within_the_sessions_dates(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session(capacity=1))["id"]
    confirmed = (
        await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())})
    ).json()
    waiting = (
        await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())})
    ).json()
    clock.set("2027-04-02")  # the session is over
    outside = await pact.post(
        f"/v1/sessions/{session}/attendance",
        "provider",
        {"day": "2027-04-01", "present": {confirmed["id"]: True}},
    )
    waitlisted = await pact.post(
        f"/v1/sessions/{session}/attendance",
        "provider",
        {"day": "2027-01-11", "present": {waiting["id"]: True}},
    )
    assert (outside.status_code, waitlisted.status_code) == (422, 422)
    ok = await pact.post(
        f"/v1/sessions/{session}/attendance",
        "provider",
        {"day": "2027-01-11", "present": {confirmed["id"]: True}},
    )
    assert ok.json() == {"recorded": 1}
    done = await pact.post(f"/v1/enrolments/{confirmed['id']}/complete", "provider", {"certified": True})
    assert done.json()["outcome"] == "certified"


async def _state(pact: Pact, session: str) -> tuple[list[tuple[str, str]], int]:
    """The session's enrolments and how many events it has in the outbox."""
    listed = (
        await pact.client.get(f"/v1/sessions/{session}/enrolments", headers=pact.headers("provider"))
    ).json()
    return [(e["id"], e["status"]) for e in listed], len(await _events(pact, session))


@pytest.mark.parametrize("closing", ["finish", "cancel"])
async def test_enrolment_in_a_finished_or_cancelled_session_is_a_409_problem_and_changes_nothing(
    pact: Pact, clock: Clock, closing: str
) -> None:
    clock.set("2025-12-15")  # scheduled before its first day, as the API asks
    session = (await pact.session(capacity=2, starts_on="2026-01-05", ends_on="2026-03-27"))["id"]
    await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())})
    clock.set("2026-04-01")
    closed = await pact.post(f"/v1/sessions/{session}/{closing}", "provider", None)
    assert closed.status_code == 200, closed.text
    before = await _state(pact, session)
    refused = await pact.post(
        f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())}
    )
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"].startswith("la session est ")
    assert await _state(pact, session) == before


async def test_a_session_that_has_not_started_cannot_be_finished_and_stays_open(pact: Pact) -> None:
    session = await pact.session()
    refused = await pact.post(f"/v1/sessions/{session['id']}/finish", "provider", None)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    search = (
        await pact.client.get(
            "/v1/sessions", headers=pact.headers("counsellor", "counsellor"), params={"free_seats": True}
        )
    ).json()
    assert session["id"] in {s["id"] for s in search}


async def test_finishing_a_session_sends_its_waitlist_back_and_keeps_its_trainees(
    pact: Pact, clock: Clock
) -> None:
    clock.set("2025-12-15")
    session = (await pact.session(capacity=1, starts_on="2026-01-05", ends_on="2026-03-27"))["id"]
    for _ in range(2):
        await pact.post(f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())})
    clock.set("2026-03-27")
    finished = await pact.post(f"/v1/sessions/{session}/finish", "provider", None)
    assert finished.json()["state"] == "finished"
    statuses = [status for _, status in (await _state(pact, session))[0]]
    assert statuses == ["confirmed", "cancelled"]
    cancelled = [e for e in await _events(pact, session) if e["type"] == "training.enrolment_cancelled.v1"]
    assert [e["data"]["cause"] for e in cancelled] == ["waitlist_closed"]


async def test_a_days_attendance_reads_back_as_recorded_and_only_by_the_sessions_provider(
    pact: Pact, clock: Clock
) -> None:
    session = (await pact.session(capacity=2))["id"]
    here, away = [
        (
            await pact.post(
                f"/v1/sessions/{session}/enrolments", "provider", {"jobseeker_id": str(uuid.uuid4())}
            )
        ).json()["id"]
        for _ in range(2)
    ]
    clock.set("2027-01-12")
    url = f"/v1/sessions/{session}/attendance"
    blank = await pact.client.get(url, params={"day": "2027-01-11"}, headers=pact.headers("provider"))
    assert blank.json() == {"day": "2027-01-11", "present": {}}
    await pact.post(url, "provider", {"day": "2027-01-11", "present": {here: True, away: False}})
    await pact.post(url, "provider", {"day": "2027-01-12", "present": {here: False}})
    first = await pact.client.get(url, params={"day": "2027-01-11"}, headers=pact.headers("provider"))
    assert first.json() == {"day": "2027-01-11", "present": {here: True, away: False}}
    second = await pact.client.get(url, params={"day": "2027-01-12"}, headers=pact.headers("provider"))
    assert second.json()["present"] == {here: False}
    foreign = await pact.client.get(url, params={"day": "2027-01-11"}, headers=pact.headers("other-provider"))
    assert foreign.status_code == 404


async def test_one_session_is_read_by_id_and_a_provider_lists_its_own_finished_ones_on_request(
    pact: Pact, clock: Clock
) -> None:
    upcoming = await pact.session()
    clock.set("2025-12-15")
    past = (await pact.session(capacity=1, starts_on="2026-01-05", ends_on="2026-03-27"))["id"]
    clock.set("2026-04-01")
    assert (await pact.post(f"/v1/sessions/{past}/finish", "provider", None)).json()["state"] == "finished"
    read = await pact.client.get(
        f"/v1/sessions/{upcoming['id']}", headers=pact.headers("counsellor", "counsellor")
    )
    assert read.status_code == 200 and read.json()["title"] == "Français langue étrangère — A2"
    assert read.json()["free_seats"] == 10
    unknown = await pact.client.get(f"/v1/sessions/{uuid.uuid4()}", headers=pact.headers("provider"))
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"

    async def listed(**params: Any) -> set[str]:
        found = await pact.client.get(
            "/v1/sessions",
            params={"provider_org_id": str(pact.orgs["provider"]), **params},
            headers=pact.headers("provider"),
        )
        return {s["id"] for s in found.json()}

    assert await listed() >= {upcoming["id"]} and past not in await listed()
    assert await listed(include_closed=True) >= {upcoming["id"], past}
    others = await listed(provider_org_id=str(pact.orgs["other-provider"]), include_closed=True)
    assert not others & {upcoming["id"], past}
