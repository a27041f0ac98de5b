"""Joint evaluation campaigns through the API, on the stack's PostgreSQL and Temporal."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select, update

from relais_dev.stack import Stack
from relais_evaluation.adapters.api import campaigns as campaign_api
from relais_evaluation.adapters.db.models import campaigns, infra
from relais_evaluation.adapters.workflows.activities import CampaignActivities
from relais_evaluation.adapters.workflows.campaign import StepInput, workflow_id
from relais_evaluation.domain.campaigns import MANDATORY_CRITERIA
from relais_evaluation.service_layer.campaigns import due_instant
from relais_shared.auth import DevIssuer
from relais_shared.db import transaction
from relais_shared.temporal import connect_temporal

from .conftest import Store, api_for
from .synthetic_pact import COORDINATION

pytestmark = pytest.mark.integration
PLIE = uuid.uuid4()


def org_of(sub: str) -> uuid.UUID:
    """The organisation an evaluator of these tests belongs to (one each, none of them the PLIE)."""
    return uuid.uuid5(PLIE, sub)


def criteria(mandatory_weight: str = "1", equality: str = "3") -> list[dict[str, Any]]:
    found = [
        {"code": c, "label": c.title(), "weight": mandatory_weight, "mandatory": True}
        for c in MANDATORY_CRITERIA
    ]
    found[0]["weight"] = "2"  # innovation counts double
    return [*found, {"code": "equality", "label": "Égalité", "weight": equality, "mandatory": False}]


class People:
    def __init__(self, api: Any, issuer: DevIssuer) -> None:
        self.api, self.issuer = api, issuer

    def headers(self, sub: str, role: str, org: uuid.UUID | None = None) -> dict[str, str]:
        # The coordinator runs the campaign for the PLIE; each evaluator signs in for their own organisation.
        org = org or (PLIE if role == "coordinator" else org_of(sub))
        token = self.issuer.token(org_id=org, org_kind="plie", roles=[role], sub=sub)
        return {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, sub: str, role: str, **kwargs: Any) -> Any:
        return await self.api.client.request(method, path, headers=self.headers(sub, role), **kwargs)

    async def invite(self, cid: str, sub: str, perspective: str, org: uuid.UUID | None = None) -> Any:
        """The coordinator invites ``sub`` of ``org`` (their own organisation by default)."""
        body = {"org_id": str(org or org_of(sub)), "sub": sub, "perspective": perspective}
        return await self.call("POST", f"/v1/campaigns/{cid}/evaluators", "coord", "coordinator", json=body)


@pytest.fixture
async def people(store: Store, issuer: DevIssuer) -> Any:
    async with api_for(store, issuer) as api:
        yield People(api, issuer)


async def open_campaign(people: People, **overrides: Any) -> Any:
    body = {
        "title": "Évaluation conjointe des ateliers mobilité",
        "subject_kind": "action",
        "subject": "Ateliers permis et mobilité",
        "criteria": criteria(),
        "mid_term_due": (date.today() + timedelta(days=30)).isoformat(),
        "final_due": (date.today() + timedelta(days=90)).isoformat(),
        **overrides,
    }
    return await people.call("POST", "/v1/campaigns", "coord", "coordinator", json=body)


async def test_weights_outside_two_thirds_one_third_are_refused(people: People) -> None:
    # Mandatory 7 (innovation 2 + 5), equality 4: 4/11 > 1/3.
    refused = await open_campaign(people, criteria=criteria(equality="4"))
    assert refused.status_code == 422, refused.text
    assert "deux tiers" in refused.json()["errors"][0]["message"]
    missing = await open_campaign(people, criteria=criteria()[1:])
    assert missing.status_code == 422


async def test_a_mandatory_criterion_reads_by_the_grids_french_word_whatever_was_stored(
    people: People,
) -> None:
    # Campaigns opened before stored « Empowerment (pouvoir d'agir) », an anglicism: read in French.
    stored = criteria()
    stored[1] = {**stored[1], "label": "Empowerment (pouvoir d'agir)"}
    opened = await open_campaign(people, criteria=stored)
    assert opened.status_code == 201, opened.text
    read = await people.call("GET", f"/v1/campaigns/{opened.json()['id']}", "coord", "coordinator")
    labels = {c["code"]: c["label"] for c in read.json()["criteria"]}
    assert labels["empowerment"] == "Pouvoir d'agir"
    assert labels["equality"] == "Égalité"  # a discretionary criterion keeps the coordinator's word


async def test_a_campaign_from_grid_to_consensus(people: People, store: Store) -> None:
    opened = await open_campaign(people)
    assert opened.status_code == 201, opened.text
    campaign = opened.json()
    cid = campaign["id"]
    assert sum(c["share"] for c in campaign["criteria"] if c["mandatory"]) == pytest.approx(0.7)
    evaluators = [
        ("auteur", "author"),
        ("pair", "peer"),
        ("expert-1", "external_expert"),
        ("expert-2", "external_expert"),
    ]
    for sub, perspective in evaluators:
        invited = await people.invite(cid, sub, perspective)
        assert invited.status_code == 201, invited.text
        assert "sub" not in invited.json()
    stranger = await people.call("GET", f"/v1/campaigns/{cid}", "curieux", "evaluator")
    assert stranger.status_code == 404

    five = dict.fromkeys(list(MANDATORY_CRITERIA)[1:], 4)
    scores = {
        "auteur": {"innovation": 5, **five, "equality": 5},
        "pair": {"innovation": 3, **five, "equality": 2},
        "expert-1": {"innovation": 4, **five, "equality": 3},
        "expert-2": {"innovation": 2, **five},
    }
    for sub in ("auteur", "pair", "expert-1"):
        sent = await people.call(
            "PUT", f"/v1/campaigns/{cid}/assessments/final", sub, "evaluator",
            json={"scores": scores[sub], "strong_points": f"Points forts ({sub})"},
        )  # fmt: skip
        assert sent.status_code == 200, sent.text
    out_of_scale = await people.call(
        "PUT",
        f"/v1/campaigns/{cid}/assessments/final",
        "expert-2",
        "evaluator",
        json={"scores": {"innovation": 9}},
    )
    assert out_of_scale.status_code == 422

    # One external expert so far: the reminder goes to expert-2 only, and the campaign cannot close.
    reminded = await CampaignActivities(store.sessions).remind_evaluators(
        StepInput(campaign_id=cid, milestone="final")
    )
    assert reminded.count == 1
    retried = await CampaignActivities(store.sessions).remind_evaluators(
        StepInput(campaign_id=cid, milestone="final")
    )
    assert retried.count == 0
    async with store.sessions() as session:  # staged with the reminder, once, for expert-2's account
        staged = (
            await session.execute(
                select(infra.outbox.c.topic, infra.outbox.c.payload).where(infra.outbox.c.key == cid)
            )
        ).all()
    assert {topic for topic, _ in staged} == {"relais.evaluation.events"}
    [event] = [e for e in map(json.loads, (p for _, p in staged)) if e["type"].endswith("_reminded.v1")]
    assert (event["data"]["evaluator_sub"], event["data"]["milestone"]) == ("expert-2", "final")
    consensus = {
        "agreed_scores": {**dict.fromkeys(MANDATORY_CRITERIA, 4), "equality": 3},
        "conclusions": "Action utile.",
    }
    early = await people.call("POST", f"/v1/campaigns/{cid}/close", "coord", "coordinator", json=consensus)
    assert early.status_code == 409, early.text
    assert "experts externes" in early.json()["errors"][0]["message"]

    sent = await people.call(
        "PUT",
        f"/v1/campaigns/{cid}/assessments/final",
        "expert-2",
        "evaluator",
        json={"scores": scores["expert-2"]},
    )
    assert sent.status_code == 200
    results = (await people.call("GET", f"/v1/campaigns/{cid}/results", "coord", "coordinator")).json()
    by = {p["perspective"]: p for p in results["perspectives"]}
    # Hand computation (weights innovation 2, five others 1, equality 3; total 10):
    assert by["author"]["weighted_score"] == pytest.approx(4.5)  # (10 + 20 + 15) / 10
    assert by["peer"]["weighted_score"] == pytest.approx(3.2)  # (6 + 20 + 6) / 10
    assert by["external_expert"]["weighted_score"] == pytest.approx(3.5)  # innovation 3, equality 3
    assert results["overall_weighted_score"] == pytest.approx((2 * 11 / 3 + 20 + 3 * 10 / 3) / 10)
    assert results["validated"] is True and results["reasons"] == []
    assert [c["perspective"] for c in results["comments"]] == [
        "author",
        "peer",
        "external_expert",
        "external_expert",
    ]

    first = next(iter(MANDATORY_CRITERIA))
    above = {**consensus, "agreed_scores": {**consensus["agreed_scores"], first: 5.4}}
    refused = await people.call("POST", f"/v1/campaigns/{cid}/close", "coord", "coordinator", json=above)
    assert refused.status_code == 422, refused.text  # above the 1-5 scale, even if it rounds to 5
    assert refused.json()["errors"][0]["field"] == f"agreed_scores.{first}"
    closed = await people.call("POST", f"/v1/campaigns/{cid}/close", "coord", "coordinator", json=consensus)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["validated"] is True
    after = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "pair", "evaluator", json={"scores": scores["pair"]}
    )
    assert after.status_code == 409
    ended = await CampaignActivities(store.sessions).deadline_reached(
        StepInput(campaign_id=cid, milestone="final")
    )
    assert ended.open is False  # the workflow stops at its next step


async def test_only_the_campaigns_organisation_invites_and_closes(people: People) -> None:
    cid = (await open_campaign(people)).json()["id"]
    other = await people.api.client.post(
        f"/v1/campaigns/{cid}/evaluators",
        headers=people.headers("autre", "coordinator", org=uuid.uuid4()),
        json={"org_id": str(uuid.uuid4()), "sub": "x", "perspective": "peer"},
    )
    assert other.status_code == 404


async def test_a_campaign_whose_experts_never_answered_closes_only_on_request_and_not_validated(
    people: People,
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    await people.invite(cid, "auteur", "author")
    await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "auteur", "evaluator",
        json={"scores": dict.fromkeys(MANDATORY_CRITERIA, 4)},
    )  # fmt: skip
    synthesis = {"agreed_scores": {}, "conclusions": "Aucun expert n'a répondu : action à réévaluer en 2027."}
    refused = await people.call("POST", f"/v1/campaigns/{cid}/close", "coord", "coordinator", json=synthesis)
    assert refused.status_code == 409, refused.text
    closed = await people.call(
        "POST",
        f"/v1/campaigns/{cid}/close",
        "coord",
        "coordinator",
        json={**synthesis, "without_validation": True},
    )
    assert closed.status_code == 200, closed.text
    out = closed.json()
    assert (out["status"], out["validated"]) == ("closed", False)
    assert any("experts externes" in reason for reason in out["consensus"]["not_validated_because"])
    report = await people.call("GET", f"/v1/campaigns/{cid}/report.html", "coord", "coordinator")
    assert "Campagne close sans validation" in report.text


async def test_the_campaign_report_prints_as_html_and_pdf(people: People) -> None:
    cid = (await open_campaign(people)).json()["id"]
    await people.invite(cid, "auteur", "author")
    await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "auteur", "evaluator",
        json={"scores": dict.fromkeys(MANDATORY_CRITERIA, 4), "strong_points": "<b>Ateliers</b> appréciés"},
    )  # fmt: skip
    html = await people.call("GET", f"/v1/campaigns/{cid}/report.html", "coord", "coordinator")
    assert html.status_code == 200 and "Rapport d'évaluation conjointe" in html.text
    assert "&lt;b&gt;Ateliers" in html.text  # the evaluator's text is escaped
    assert "Au moins 2 experts externes requis" in html.text
    pdf = await people.call("GET", f"/v1/campaigns/{cid}/report.pdf", "coord", "coordinator")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


async def test_the_report_gives_the_usage_test_to_those_who_may_read_it_and_names_the_organisations(
    people: People,
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    for sub, perspective in (("auteur", "author"), ("expert-1", "external_expert")):
        await people.invite(cid, sub, perspective)
    await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/mid_term", "auteur", "evaluator",
        json={"scores": {"innovation": 3}, "strong_points": "Premiers retours encourageants"},
    )  # fmt: skip
    names = [f"{PLIE}=PLIE de la métropole", f"{org_of('auteur')}=Association Alpha", f"{uuid.uuid4()}=Autre"]
    found = await people.call(
        "GET", f"/v1/campaigns/{cid}/report.html", "coord", "coordinator", params={"organisation": names}
    )
    assert found.status_code == 200
    html = unescape(found.text)
    assert "Premiers retours encourageants" in html  # the usage test's results, as submitted
    assert "PLIE de la métropole" in html and "Association Alpha" in html and "Autre" not in html
    # An expert who has not submitted the usage test does not read the others' grids of it in the report.
    theirs = await people.call("GET", f"/v1/campaigns/{cid}/report.html", "expert-1", "evaluator")
    if theirs.status_code == 200:
        assert "Premiers retours encourageants" not in unescape(theirs.text)


async def test_an_evaluator_reads_back_their_own_assessment_and_nobody_elses(people: People) -> None:
    cid = (await open_campaign(people)).json()["id"]
    for sub, perspective in (("expert-1", "external_expert"), ("pair", "peer")):
        await people.invite(cid, sub, perspective)
    mine = {"scores": {"innovation": 4, "usefulness": 5}, "weaknesses": "Peu de places en Sud-Loire."}
    sent = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator", json=mine
    )
    assert sent.status_code == 200, sent.text

    read = await people.call("GET", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator")
    assert read.status_code == 200, read.text
    assert read.json() | {"evaluator_id": None} == {
        "evaluator_id": None,
        "perspective": "external_expert",
        "milestone": "final",
        "submitted": True,
        "scores": {"innovation": 4, "usefulness": 5},
        "strong_points": "",
        "weaknesses": "Peu de places en Sud-Loire.",
        "recommendations": "",
    }
    # Another evaluator of the same campaign reads their own (nothing yet), never expert-1's.
    other = await people.call("GET", f"/v1/campaigns/{cid}/assessments/final", "pair", "evaluator")
    assert other.status_code == 200
    assert (other.json()["submitted"], other.json()["scores"], other.json()["weaknesses"]) == (False, {}, "")
    assert other.json()["perspective"] == "peer"
    # Not invited: the campaign does not exist for them; a coordinator has no assessment of their own.
    stranger = await people.call("GET", f"/v1/campaigns/{cid}/assessments/final", "curieux", "evaluator")
    assert stranger.status_code == 404
    coordinator = await people.call("GET", f"/v1/campaigns/{cid}/assessments/final", "coord", "coordinator")
    assert coordinator.status_code == 403


async def test_an_outside_view_comes_from_outside_and_an_invitation_is_for_its_organisations_account(
    people: People,
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    # The PLIE runs the campaign: none of its staff, nor the coordination's, is an external expert,
    # and a peer is not one of its own either.
    for org, perspective in ((PLIE, "external_expert"), (COORDINATION, "external_expert"), (PLIE, "peer")):
        refused = await people.invite(cid, "collegue", perspective, org=org)
        assert refused.status_code == 422, (org, perspective, refused.text)
        assert refused.json()["errors"][0]["field"] == "perspective"
    author = await people.invite(cid, "collegue", "author", org=PLIE)
    assert author.status_code == 201, author.text  # the action's own staff assess it as its authors
    invited = await people.invite(cid, "expert-1", "external_expert")
    assert invited.status_code == 201, invited.text
    # The same account signed in for another organisation is not the one invited: nothing to see or send.
    elsewhere = people.headers("expert-1", "evaluator", org=uuid.uuid4())
    client = people.api.client
    assert (await client.get(f"/v1/campaigns/{cid}", headers=elsewhere)).status_code == 404
    sent = await client.put(
        f"/v1/campaigns/{cid}/assessments/final", headers=elsewhere, json={"scores": {"innovation": 4}}
    )
    assert sent.status_code == 404
    assert cid not in [c["id"] for c in (await client.get("/v1/campaigns", headers=elsewhere)).json()]
    assert (await people.call("GET", f"/v1/campaigns/{cid}", "expert-1", "evaluator")).status_code == 200


async def test_an_invited_evaluator_is_announced_with_the_invitation_for_the_referral_service_to_mail(
    people: People, store: Store
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    invited = await people.invite(cid, "expert-1", "external_expert")
    assert invited.status_code == 201, invited.text
    again = await people.invite(cid, "expert-1", "external_expert")
    assert again.status_code == 409  # refused: nothing staged for it
    async with store.sessions() as session:
        staged = (
            (await session.execute(select(infra.outbox.c.payload).where(infra.outbox.c.key == cid)))
            .scalars()
            .all()
        )
    [event] = [json.loads(p) for p in staged]
    assert event["type"] == "evaluation.evaluator_invited.v1"
    data = event["data"]
    assert (data["evaluator_sub"], data["evaluator_org_id"]) == ("expert-1", str(org_of("expert-1")))
    assert (data["perspective"], data["campaign_title"]) == (
        "external_expert",
        "Évaluation conjointe des ateliers mobilité",
    )
    assert data["final_due"] and "mid_term_due" in data


async def expert_submitted_author_not(people: People) -> str:
    """A campaign whose external expert submitted the final grid and whose author did not yet: its id."""
    cid = (await open_campaign(people)).json()["id"]
    for sub, perspective in (("auteur", "author"), ("expert-1", "external_expert")):
        await people.invite(cid, sub, perspective)
    await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator",
        json={"scores": {"innovation": 2}, "weaknesses": "Trop peu de places."},
    )  # fmt: skip
    return str(cid)


async def test_an_evaluator_reads_the_others_results_only_once_their_own_grid_is_submitted(
    people: People,
) -> None:
    cid = await expert_submitted_author_not(people)
    # The author has not submitted: the expert's scores and comments are not theirs to read yet.
    for path in ("results", "report.html", "report.pdf"):
        before = await people.call("GET", f"/v1/campaigns/{cid}/{path}", "auteur", "evaluator")
        assert before.status_code == 403, (path, before.text)
    # A grid of one score is deposited, but is no whole evaluation: the others' stay closed.
    partial = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "auteur", "evaluator",
        json={"scores": {"innovation": 5}},
    )  # fmt: skip
    assert partial.status_code == 200, partial.text
    still = await people.call("GET", f"/v1/campaigns/{cid}/results", "auteur", "evaluator")
    assert still.status_code == 403 and "critères obligatoires" in still.json()["detail"]
    await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "auteur", "evaluator",
        json={"scores": dict.fromkeys(MANDATORY_CRITERIA, 5)},
    )  # fmt: skip
    after = await people.call("GET", f"/v1/campaigns/{cid}/results", "auteur", "evaluator")
    assert after.status_code == 200 and after.json()["comments"][-1]["weaknesses"] == "Trop peu de places."
    # The coordinator reads them all along; the mid-term results stay closed to the author (nothing
    # submitted there) until they submit there or the campaign closes.
    assert (
        await people.call("GET", f"/v1/campaigns/{cid}/results", "coord", "coordinator")
    ).status_code == 200
    mid = await people.call("GET", f"/v1/campaigns/{cid}/results?milestone=mid_term", "auteur", "evaluator")
    assert mid.status_code == 403


async def test_a_grid_without_any_score_is_refused_and_nothing_is_deposited(people: People) -> None:
    cid = (await open_campaign(people)).json()["id"]
    await people.invite(cid, "expert-1", "external_expert")
    empty = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator",
        json={"scores": {}},
    )  # fmt: skip
    assert empty.status_code == 422, empty.text
    assert [e["field"] for e in empty.json()["errors"]] == ["scores"]
    own = await people.call("GET", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator")
    assert own.status_code == 200 and own.json().get("submitted_at") is None, own.text
    results = await people.call("GET", f"/v1/campaigns/{cid}/results", "expert-1", "evaluator")
    assert results.status_code == 403


async def set_dates(store: Store, cid: str, **dates: date) -> None:
    """Time passing: the campaign's deadlines written as they would stand some days later."""
    async with transaction(store.sessions) as session:
        await session.execute(update(campaigns).where(campaigns.c.id == uuid.UUID(cid)).values(**dates))


async def moving(people: People, cid: str, sub: str = "coord", role: str = "coordinator", **body: Any) -> Any:
    return await people.call("PUT", f"/v1/campaigns/{cid}/deadlines", sub, role, json=body)


async def test_the_coordinator_moves_the_deadlines_and_the_campaign_workflow_is_signalled_them(
    people: People, stack: Stack
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    mid, final = date.today() + timedelta(days=45), date.today() + timedelta(days=120)
    moved = await moving(people, cid, mid_term_due=mid.isoformat(), final_due=final.isoformat())
    assert moved.status_code == 200, moved.text
    assert (moved.json()["mid_term_due"], moved.json()["final_due"]) == (mid.isoformat(), final.isoformat())
    assert (await people.call("GET", f"/v1/campaigns/{cid}", "coord", "coordinator")).json()[
        "final_due"
    ] == final.isoformat()
    client = await connect_temporal(stack.temporal_address)
    history = await client.get_workflow_handle(workflow_id(cid)).fetch_history()
    signals = [
        e.workflow_execution_signaled_event_attributes
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
    ]
    assert [s.signal_name for s in signals] == ["move_deadlines"]
    payload = json.loads(signals[0].input.payloads[0].data)
    assert [m["milestone"] for m in payload["milestones"]] == ["mid_term", "final"]
    assert set(payload) == {"milestones"} and all(
        set(m) == {"milestone", "remind_at", "due_at"} for m in payload["milestones"]
    )


async def test_a_move_that_does_not_commit_gives_the_workflow_its_former_instants_back(
    people: People, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    before = (await people.call("GET", f"/v1/campaigns/{cid}", "coord", "coordinator")).json()

    async def failing(*args: Any) -> Any:  # the answer fails after the signal: nothing commits
        raise RuntimeError("connection lost")

    monkeypatch.setattr(campaign_api, "_out", failing)
    later = (date.today() + timedelta(days=200)).isoformat()
    failed = await moving(people, cid, mid_term_due=before["mid_term_due"], final_due=later)
    assert failed.status_code == 500
    monkeypatch.undo()
    after = (await people.call("GET", f"/v1/campaigns/{cid}", "coord", "coordinator")).json()
    assert after["final_due"] == before["final_due"]  # the row did not move
    client = await connect_temporal(stack.temporal_address)
    history = await client.get_workflow_handle(workflow_id(cid)).fetch_history()
    signals = [
        json.loads(e.workflow_execution_signaled_event_attributes.input.payloads[0].data)
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
    ]
    finals = [next(m["due_at"] for m in s["milestones"] if m["milestone"] == "final") for s in signals]
    assert len(finals) == 2 and finals[0] > finals[1]  # moved, then given back
    given_back = datetime.fromisoformat(finals[1].replace("Z", "+00:00"))
    assert given_back == due_instant(date.fromisoformat(before["final_due"]))


async def test_only_the_campaigns_coordinators_move_its_deadlines(people: People) -> None:
    cid = (await open_campaign(people)).json()["id"]
    await people.invite(cid, "expert-1", "external_expert")
    body = {"final_due": (date.today() + timedelta(days=100)).isoformat(), "mid_term_due": None}
    body["mid_term_due"] = (date.today() + timedelta(days=30)).isoformat()
    evaluator = await moving(people, cid, "expert-1", "evaluator", **body)
    assert evaluator.status_code == 403, evaluator.text  # function level: the route is the coordinator's
    other = await people.api.client.put(
        f"/v1/campaigns/{cid}/deadlines",
        headers=people.headers("autre", "coordinator", org=uuid.uuid4()),
        json=body,
    )
    assert other.status_code == 404, other.text  # object level: another organisation's campaign
    assert other.headers["content-type"] == "application/problem+json"
    unchanged = (await people.call("GET", f"/v1/campaigns/{cid}", "coord", "coordinator")).json()
    assert unchanged["final_due"] == (date.today() + timedelta(days=90)).isoformat()


async def test_deadlines_are_moved_by_the_opening_rules_and_never_on_a_closed_campaign(
    people: People,
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    final = (date.today() + timedelta(days=90)).isoformat()
    after = await moving(
        people, cid, mid_term_due=(date.today() + timedelta(days=95)).isoformat(), final_due=final
    )
    assert after.status_code == 422, after.text
    assert after.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in after.json()["errors"]] == ["mid_term_due"]
    past = await moving(
        people, cid, mid_term_due=(date.today() - timedelta(days=1)).isoformat(), final_due=final
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "mid_term_due"
    removed = await moving(people, cid, final_due=final)
    assert removed.status_code == 422 and removed.json()["errors"][0]["field"] == "mid_term_due"
    closed = await people.call(
        "POST", f"/v1/campaigns/{cid}/close", "coord", "coordinator",
        json={"agreed_scores": {}, "conclusions": "Arrêtée.", "without_validation": True},
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    late = await moving(
        people, cid, mid_term_due=(date.today() + timedelta(days=40)).isoformat(), final_due=final
    )
    assert late.status_code == 409, late.text
    assert late.json()["type"].endswith("/conflict")


async def test_a_grid_after_its_deadline_is_refused_until_the_deadline_moves_later(
    people: People, store: Store
) -> None:
    cid = (await open_campaign(people)).json()["id"]
    await people.invite(cid, "expert-1", "external_expert")
    yesterday = date.today() - timedelta(days=1)
    await set_dates(store, cid, mid_term_due=yesterday - timedelta(days=10), final_due=yesterday)
    grid = {"scores": {"innovation": 4}, "strong_points": "Ateliers utiles."}
    refused = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator", json=grid
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/conflict") and problem["errors"][0]["code"] == "deadline_passed"
    assert "échéance" in problem["detail"] and "déplacer" in problem["detail"]
    mine = await people.call("GET", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator")
    assert mine.json()["submitted"] is False  # nothing written
    campaign = (await people.call("GET", f"/v1/campaigns/{cid}", "coord", "coordinator")).json()
    assert (campaign["mid_term_reached"], campaign["final_reached"]) == (True, True)  # what the page shows

    later = date.today() + timedelta(days=14)
    moved = await moving(
        people, cid, mid_term_due=(yesterday - timedelta(days=10)).isoformat(), final_due=later.isoformat()
    )  # the passed mid-term deadline may stay as it is
    assert moved.status_code == 200, moved.text
    assert (moved.json()["mid_term_reached"], moved.json()["final_reached"]) == (True, False)
    accepted = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/final", "expert-1", "evaluator", json=grid
    )
    assert accepted.status_code == 200, accepted.text
    still = await people.call(
        "PUT", f"/v1/campaigns/{cid}/assessments/mid_term", "expert-1", "evaluator", json=grid
    )
    assert still.status_code == 409  # the mid-term one did not move


async def test_a_deadline_passed_does_not_show_the_others_grids_to_one_who_may_still_submit_after_a_move(
    people: People, store: Store
) -> None:
    cid = await expert_submitted_author_not(people)
    yesterday = date.today() - timedelta(days=1)
    await set_dates(store, cid, mid_term_due=yesterday - timedelta(days=10), final_due=yesterday)
    # The author missed the deadline: the coordinator may still move it, so the expert's grid stays
    # unread by them; once moved, the author's grid is made without it.
    for path in ("results", "report.html"):
        hidden = await people.call("GET", f"/v1/campaigns/{cid}/{path}", "auteur", "evaluator")
        assert hidden.status_code == 403, (path, hidden.text)
    later = (date.today() + timedelta(days=14)).isoformat()
    moved = await moving(
        people, cid, mid_term_due=(yesterday - timedelta(days=10)).isoformat(), final_due=later
    )
    assert moved.status_code == 200, moved.text
    assert (
        await people.call(
            "PUT", f"/v1/campaigns/{cid}/assessments/final", "auteur", "evaluator",
            json={"scores": dict.fromkeys(MANDATORY_CRITERIA, 5)},
        )
    ).status_code == 200  # fmt: skip
    assert (
        await people.call("GET", f"/v1/campaigns/{cid}/results", "auteur", "evaluator")
    ).status_code == 200


async def test_a_deadline_step_planned_before_a_move_records_nothing(people: People, store: Store) -> None:
    cid = (await open_campaign(people)).json()["id"]
    reached = await CampaignActivities(store.sessions).deadline_reached(
        StepInput(campaign_id=cid, milestone="final")
    )
    assert reached.open is True
    campaign = (await people.call("GET", f"/v1/campaigns/{cid}", "coord", "coordinator")).json()
    assert campaign["final_reached"] is False  # its deadline is still 90 days away
