"""A person's needs: who may read and record them, health needs kept to the follow-up group, history."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from relais_referral.db.models import infra

from .conftest import Pact

pytestmark = pytest.mark.integration


async def test_a_counsellor_outside_the_persons_organisations_cannot_read_their_needs(pact: Pact) -> None:
    person = await pact.person("mission_locale")
    recorded = await pact.post(f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": "mobilite"})
    assert recorded.status_code == 201, recorded.text
    assert (await pact.get(f"/v1/jobseekers/{person}/needs", "outsider")).status_code == 404
    refused = await pact.post(f"/v1/jobseekers/{person}/needs", "outsider", {"thematique": "numerique"})
    assert refused.status_code == 404
    need = recorded.json()["id"]
    assert (
        await pact.get(f"/v1/jobseekers/{person}/needs/{need}/suggestions", "outsider")
    ).status_code == 404


async def test_a_health_need_is_seen_by_the_referent_only_not_by_the_receiver_of_a_referral(
    pact: Pact,
) -> None:
    person = await pact.person("mission_locale")
    for code in ("sante--sante-mentale", "famille--garde-denfants"):
        response = await pact.post(f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": code})
        assert response.status_code == 201, response.text
    assert (await pact.refer(person, "mission_locale", "plie")).status_code == 201

    referent = (await pact.get(f"/v1/jobseekers/{person}/needs", "mission_locale")).json()
    receiver = (await pact.get(f"/v1/jobseekers/{person}/needs", "plie")).json()
    assert sorted(n["thematique"] for n in referent) == ["famille--garde-denfants", "sante--sante-mentale"]
    assert [n["thematique"] for n in receiver] == ["famille--garde-denfants"]
    health = next(n for n in referent if n["health"])
    assert (
        await pact.post(f"/v1/jobseekers/{person}/needs/{health['id']}/lift", "plie", {})
    ).status_code == 404
    recorded_by_receiver = await pact.post(f"/v1/jobseekers/{person}/needs", "plie", {"thematique": "sante"})
    assert recorded_by_receiver.status_code == 403


async def test_needs_keep_their_history_and_one_thematic_is_open_once(pact: Pact) -> None:
    person = await pact.person("mission_locale")
    first = await pact.post(
        f"/v1/jobseekers/{person}/needs",
        "mission_locale",
        {"thematique": "mobilite--preparer-un-permis", "identified_on": "2026-09-01"},
    )
    twice = await pact.post(
        f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": "mobilite--preparer-un-permis"}
    )
    assert (first.status_code, twice.status_code) == (201, 409)
    need = first.json()["id"]
    before = await pact.post(
        f"/v1/jobseekers/{person}/needs/{need}/lift", "mission_locale", {"lifted_on": "2026-08-01"}
    )
    assert before.status_code == 422  # lifted before it was identified
    lifted = await pact.post(
        f"/v1/jobseekers/{person}/needs/{need}/lift", "mission_locale", {"lifted_on": "2026-11-02"}
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_on"] == "2026-11-02"
    again = await pact.post(
        f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": "mobilite--preparer-un-permis"}
    )
    assert again.status_code == 201  # identified anew once lifted: the earlier row stays
    history = (await pact.get(f"/v1/jobseekers/{person}/needs", "mission_locale")).json()
    assert (history[0]["identified_on"], history[0]["lifted_on"]) == ("2026-09-01", "2026-11-02")
    assert len(history) == 2 and history[1]["lifted_on"] is None


async def test_a_need_outside_the_national_vocabulary_is_refused(pact: Pact) -> None:
    person = await pact.person("mission_locale")
    refused = await pact.post(
        f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": "garde-enfants"}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_need_events_carry_codes_and_axes_and_a_health_need_stages_no_event(pact: Pact) -> None:
    person = await pact.person("mission_locale")
    for code in ("sante--addictions", "numerique"):
        assert (
            await pact.post(f"/v1/jobseekers/{person}/needs", "mission_locale", {"thematique": code})
        ).status_code == 201
    app = pact.client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                select(infra.outbox.c.event_type, infra.outbox.c.payload).where(infra.outbox.c.key == person)
            )
        ).all()
    payloads = [(event_type, json.loads(payload)) for event_type, payload in rows]
    needs = [payload for event_type, payload in payloads if event_type.startswith("jobseeker.need_")]
    assert len(needs) == 1
    data = needs[0]["data"]
    assert data["thematique"] == "numerique" and data["categorie"] == "numerique"
    assert data["epci"] == "244400404" and data["departement"] == "44" and data["age_band"] == "under_26"
    assert "sante" not in json.dumps([payload for _, payload in payloads])


async def test_only_the_coordination_and_evaluators_read_need_statistics(pact: Pact) -> None:
    assert (await pact.get("/v1/needs/statistics", "mission_locale")).status_code == 403
    counts = await pact.get("/v1/needs/statistics", "mission_locale", "evaluator")
    assert counts.status_code == 200
    assert all(row["open"] is None or row["open"] >= 5 for row in counts.json())
