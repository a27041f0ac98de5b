"""An exit records the person's situation in the pact's vocabulary, and the référent records it again at
+3, +6 and +12 months: each answer commits with its event (outbox), only the référent may give it."""

import json
import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from relais_referral.db.models import infra
from relais_referral.domain.calendar import paris_date
from relais_referral.domain.deadlines import add_months
from relais_referral.domain.situations import FOLLOW_UP_MONTHS

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


async def _outbox(pact: Pact, event_type: str, key: str) -> list[dict[str, Any]]:
    async with pact.client._transport.app.state.sessions() as session:
        payloads = await session.execute(
            select(infra.outbox.c.payload)
            .where(infra.outbox.c.event_type == event_type, infra.outbox.c.key == key)
            .order_by(infra.outbox.c.id)
        )
        return [json.loads(p)["data"] for p in payloads.scalars()]


async def put(pact: Pact, path: str, org: str | uuid.UUID, body: Any, *roles: str) -> Any:
    return await pact.client.put(path, headers=pact.headers(org, *roles), json=body)


async def months_ago(pact: Pact, person: str, months: int) -> None:
    """The person's exit moved ``months`` back in their history, with its follow-up reminders (the
    3-, 6- and 12-month ones, in that order): its follow-ups have fallen due."""
    params = {"m": months, "p": uuid.UUID(person)}
    async with pact.client._transport.app.state.sessions() as session, session.begin():
        exited_at = await session.scalar(
            text(
                "UPDATE journey_entries SET at = at - make_interval(months => :m) "
                "WHERE jobseeker_id = :p AND kind = 'exit' RETURNING at"
            ),
            params,
        )
        reminders = await session.scalars(
            text("SELECT id FROM tasks WHERE jobseeker_id = :p AND kind = 'outcome_follow_up' ORDER BY due"),
            params,
        )
        for task, horizon in zip(list(reminders), FOLLOW_UP_MONTHS, strict=True):
            due = add_months(paris_date(exited_at), horizon)
            await session.execute(text("UPDATE tasks SET due = :d WHERE id = :t"), {"d": due, "t": task})


async def test_an_exit_records_a_situation_of_the_pacts_wider_definition_and_publishes_it(pact: Pact) -> None:
    person = await pact.person()
    unknown = await pact.post(f"/v1/jobseekers/{person}/exit", "mission_locale", {"outcome": "astronaut"})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert await _outbox(pact, "journey.exited.v1", person) == []
    exited = await pact.post(f"/v1/jobseekers/{person}/exit", "mission_locale", {"outcome": "civic_service"})
    assert exited.status_code == 200, exited.text
    assert exited.json()["exit_outcome"] == "civic_service"
    [event] = await _outbox(pact, "journey.exited.v1", person)
    assert event["outcome"] == "civic_service"


async def test_the_referent_records_the_situation_at_six_months_and_a_new_answer_replaces_it(
    pact: Pact,
) -> None:
    person = await pact.person()
    await pact.post(f"/v1/jobseekers/{person}/exit", "mission_locale", {"outcome": "job_search"})
    url = f"/v1/jobseekers/{person}/exit/follow-ups/6"
    too_soon = await put(pact, url, "mission_locale", {"situation": "cdi"})
    assert too_soon.status_code == 409
    assert too_soon.headers["content-type"].startswith("application/problem+json")
    assert "s'enregistre à partir du" in too_soon.json()["detail"]
    assert await _outbox(pact, "journey.exit_followed_up.v1", person) == []
    await months_ago(pact, person, 7)
    exited = await pact.get(f"/v1/jobseekers/{person}/journey", "mission_locale")
    assert [d["horizon_months"] for d in exited.json()["exit_follow_ups_due"]] == [3, 6, 12]
    recorded = await put(pact, url, "mission_locale", {"situation": "cdi"})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["exit_follow_ups"] == [{"horizon_months": 6, "situation": "cdi"}]
    # The six-month reminder is answered; the three- and twelve-month ones still wait.
    dues = sorted(t["due"] for t in recorded.json()["open_tasks"] if t["kind"] == "outcome_follow_up")
    all_dues = sorted(t["due"] for t in exited.json()["open_tasks"] if t["kind"] == "outcome_follow_up")
    assert dues == [all_dues[0], all_dues[2]]
    again = await put(pact, url, "mission_locale", {"situation": "cdi"})  # a retried request
    assert again.status_code == 200
    replaced = await put(pact, url, "mission_locale", {"situation": "volunteering"})
    assert replaced.json()["exit_follow_ups"] == [{"horizon_months": 6, "situation": "volunteering"}]
    events = await _outbox(pact, "journey.exit_followed_up.v1", person)
    assert [(e["horizon_months"], e["observed_situation"]) for e in events] == [
        (6, "cdi"),
        (6, "volunteering"),
    ]
    exit_time = datetime.fromisoformat(exited.json()["exited_at"])
    assert {datetime.fromisoformat(e["exited_at"]) for e in events} == {exit_time}
    assert set(events[0]) == {
        "jobseeker_id",
        "horizon_months",
        "observed_situation",
        "exited_at",
        "referent_org_id",
        "recorded_at",
    }
    journey = (await pact.get(f"/v1/jobseekers/{person}/journey", "mission_locale")).json()
    assert [(e["kind"], e["detail"]) for e in journey["history"][-2:]] == [
        ("exit_follow_up_6", "cdi"),
        ("exit_follow_up_6", "volunteering"),
    ]


async def test_only_the_persons_referent_records_a_follow_up_after_an_exit_with_a_known_code(
    pact: Pact,
) -> None:
    person = await pact.person()  # Mission locale registers the person and refers them to the PLIE
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    assert (await pact.post(f"/v1/referrals/{referral}/accept", "plie")).status_code == 200
    url = f"/v1/jobseekers/{person}/exit/follow-ups/3"
    before_exit = await put(pact, url, "plie", {"situation": "cdi"})
    assert before_exit.status_code == 409
    assert (await pact.post(f"/v1/jobseekers/{person}/exit", "plie", {"outcome": "cdd"})).status_code == 200
    await months_ago(pact, person, 3)
    # The pact coordination sees every journey but does not answer for the PLIE.
    assert (await put(pact, url, pact.coordination, {"situation": "cdi"})).status_code == 403
    # The former référent and an organisation outside the journey do not even learn the person exists.
    for org in ("mission_locale", "outsider"):
        assert (await put(pact, url, org, {"situation": "cdi"})).status_code == 404
    assert (await put(pact, url, "plie", {"situation": "cdi"}, "coordinator")).status_code == 403
    for path, body in ((url, {"situation": "astronaut"}), (url.replace("/3", "/4"), {"situation": "cdi"})):
        refused = await put(pact, path, "plie", body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert await _outbox(pact, "journey.exit_followed_up.v1", person) == []
    audit = infra.audit_log.c
    refusals = await pact.count(infra.audit_log, audit.resource_id == person, audit.outcome == "refused")
    assert refusals >= 3
    assert (await put(pact, url, "plie", {"situation": "cdi"})).status_code == 200
    assert len(await _outbox(pact, "journey.exit_followed_up.v1", person)) == 1
