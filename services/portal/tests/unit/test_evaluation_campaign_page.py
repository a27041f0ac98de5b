"""A campaign's page and report on a faked evaluation API: agreed scores and proposed means in French
decimals (the API keeps exact fractions), the report asked with the organisations' names, and an
evaluator's first button on the grid of the next milestone due."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

CAMPAIGN = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
PLIE = "0b9e2c4a-3d1f-4e8a-9c7b-5a6d2e1f0c3b"
EXPERT = "7d3c2b1a-0f9e-4d8c-b7a6-f5e4d3c2b1a0"
CRITERIA = [
    {"code": "innovation", "label": "Innovation", "weight": "1", "share": 0.5, "mandatory": True},
    {"code": "usefulness", "label": "Utilité", "weight": "1", "share": 0.5, "mandatory": True},
]
RESULTS = {
    "validated": True,
    "perspectives": [
        {"perspective": p, "criteria": {"innovation": 4.1666, "usefulness": 4.3}, "weighted_score": 4.2,
         "evaluators": 2}
        for p in ("author", "peer", "external_expert")
    ],
    "overall_criteria": {"innovation": 4.1666, "usefulness": 4.3},
    "overall_weighted_score": 4.23,
    "reasons": [],
    "comments": [],
}  # fmt: skip


def campaign(**changes: Any) -> dict[str, Any]:
    return {
        "id": CAMPAIGN, "title": "Ateliers mobilité", "subject_kind": "action", "subject": "Ateliers",
        "org_id": PLIE, "criteria": CRITERIA, "scale_min": 1, "scale_max": 5,
        "mid_term_due": "2027-01-15", "final_due": "2027-02-28", "status": "open",
        "mid_term_reached": False, "final_reached": False,
        "evaluators": [{"id": "e", "org_id": EXPERT, "perspective": "external_expert", "submitted": [],
                        "reminded": []}],
        "validated": None, "consensus": None, "closed_at": None, **changes,
    }  # fmt: skip


class Api:
    """The evaluation API: the campaign, its results, the evaluator's own grids, the report."""

    def __init__(self, found: dict[str, Any], submitted: tuple[str, ...] = ()) -> None:
        self.found, self.submitted = found, submitted
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path.endswith("/results"):
            return httpx.Response(200, json=RESULTS)
        if "/assessments/" in path:
            milestone = path.rsplit("/", 1)[1]
            return httpx.Response(200, json={"evaluator_id": "e", "perspective": "external_expert",
                                             "milestone": milestone, "submitted": milestone in self.submitted,
                                             "scores": {}, "strong_points": "", "weaknesses": "",
                                             "recommendations": ""})  # fmt: skip
        if path.endswith("/report.html"):
            return httpx.Response(200, text="<p>rapport</p>", headers={"content-type": "text/html"})
        if path.endswith("/close"):
            return httpx.Response(200, json=self.found)
        return httpx.Response(200, json=self.found)


def referral(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v1/organisations":
        return httpx.Response(200, json={"items": []})
    names = {PLIE: "PLIE de la métropole", EXPERT: "Cabinet Ouest"}
    org_id = request.url.path.rsplit("/", 1)[1]
    return httpx.Response(200, json={"id": org_id, "name": names.get(org_id, "")})


@pytest.fixture
def signed_in(signed_in_portal: Any) -> Any:
    """The portal for ``role`` on the faked evaluation API ``fake``."""

    def portal(role: str, fake: Api) -> Iterator[tuple[TestClient, str]]:
        return signed_in_portal(role, fake, referral, PLIE)

    return portal


def test_agreed_scores_read_as_french_decimals_not_the_apis_fractions(signed_in: Any) -> None:
    consensus = {"agreed_scores": {"innovation": "9/2", "usefulness": "43/10"}, "conclusions": "Utile."}
    fake = Api(campaign(status="closed", validated=True, consensus=consensus))
    for client, _csrf in signed_in("coordinator", fake):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        agreed = html[
            html.index('id="notes-retenues"') : html.index("</ul>", html.index('id="notes-retenues"'))
        ]
        assert "Innovation : 4,5" in agreed and "Utilité : 4,3" in agreed
        assert "9/2" not in html and "43/10" not in html


def test_the_consensus_form_proposes_the_means_as_the_table_shows_them_and_reads_a_comma(
    signed_in: Any,
) -> None:
    fake = Api(campaign(mid_term_due=None))
    for client, csrf in signed_in("coordinator", fake):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        assert 'id="note_innovation" name="note_innovation" value="4,17"' in html
        assert 'value="4.2"' not in html and 'value="4.17"' not in html
        posted = client.post(
            f"/evaluation/campagnes/{CAMPAIGN}/consensus",
            data={
                "csrf_token": csrf,
                "note_innovation": "4,17",
                "note_usefulness": "4,5",
                "conclusions": "Ok",
            },
        )
        assert posted.status_code == 303, posted.text
        (close,) = [r for r in fake.calls if r.url.path.endswith("/close")]
        assert json.loads(close.content)["agreed_scores"] == {"innovation": "4.17", "usefulness": "4.50"}


def test_the_report_is_asked_with_the_names_of_the_campaigns_organisations(signed_in: Any) -> None:
    fake = Api(campaign())
    for client, _csrf in signed_in("coordinator", fake):
        assert client.get(f"/evaluation/campagnes/{CAMPAIGN}/rapport.html").status_code == 200
        (asked,) = [r for r in fake.calls if r.url.path.endswith("/report.html")]
        assert sorted(asked.url.params.get_list("organisation")) == sorted(
            [f"{PLIE}=PLIE de la métropole", f"{EXPERT}=Cabinet Ouest"]
        )


def test_an_evaluators_first_button_opens_the_grid_of_the_next_milestone_due(signed_in: Any) -> None:
    for client, _csrf in signed_in("evaluator", Api(campaign())):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        button = html[html.index('id="ma-grille"') : html.index("</a>", html.index('id="ma-grille"'))]
        assert "/grille/mi-parcours" in button and "Remplir ma grille du test d'utilisation" in button
        assert (
            f'href="/evaluation/campagnes/{CAMPAIGN}/grille/finale">Ma grille de l\'évaluation finale' in html
        )
    # The usage test submitted and still open: the button offers to correct it, until its deadline.
    for client, _csrf in signed_in("evaluator", Api(campaign(), submitted=("mid_term",))):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        assert "Relire ou corriger ma grille du test d'utilisation" in html
    # Its deadline passed: the final grid comes first.
    for client, _csrf in signed_in("evaluator", Api(campaign(mid_term_reached=True))):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        button = html[html.index('id="ma-grille"') : html.index("</a>", html.index('id="ma-grille"'))]
        assert "/grille/finale" in button and "Remplir ma grille de l'évaluation finale" in button


def test_the_scores_chart_has_a_taller_copy_for_narrow_screens(signed_in: Any) -> None:
    for client, _csrf in signed_in("coordinator", Api(campaign())):
        html = client.get(f"/evaluation/campagnes/{CAMPAIGN}").text
        assert "relais-chart--narrow" in html and 'aspect-ratio="0.9"' in html
        assert html.count('y-max="5"') == 2
