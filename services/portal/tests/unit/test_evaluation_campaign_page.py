"""A campaign's page and report on a faked evaluation API: agreed scores and proposed means in French
decimals (the API keeps exact fractions), the report asked with the organisations' names, and an
evaluator's first button on the grid of the next milestone due."""

from __future__ import annotations

import json
import re
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

    def __init__(
        self, found: dict[str, Any], submitted: tuple[str, ...] = (), scores: dict[str, int] | None = None
    ) -> None:
        self.found, self.submitted, self.scores = found, submitted, scores or {}
        self.calls: list[httpx.Request] = []
        self.refuse_put = 0  # the status of the API's refusal of a grid (0: accepted)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path.endswith("/results"):
            return httpx.Response(200, json=RESULTS)
        if "/assessments/" in path and request.method == "PUT":
            if self.refuse_put:
                return httpx.Response(self.refuse_put, json={"title": "La campagne est close.", "errors": []})
            return httpx.Response(200, json={})
        if "/assessments/" in path:
            milestone = path.rsplit("/", 1)[1]
            return httpx.Response(200, json={"evaluator_id": "e", "perspective": "external_expert",
                                             "milestone": milestone, "submitted": milestone in self.submitted,
                                             "scores": self.scores, "strong_points": "", "weaknesses": "",
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
                "confirme": "oui",  # the modal's button
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
        assert "relais-chart--narrow" in html and 'aspect-ratio="0.7"' in html
        assert html.count('y-max="5"') == 1 and html.count('x-max="5"') == 1  # the value axis of each


def test_the_scores_chart_is_bounded_to_the_scale_and_lies_flat_on_a_phone(signed_in: Any) -> None:
    # The component only suggests y-min: its bars began at 0 on a 1–5 scale. The bounds the page's script
    # sets are on both copies; the phone's copy has horizontal bars, the criteria's names on the left.
    for client, _csrf in signed_in("coordinator", Api(campaign())):
        html = client.get(f"/evaluation/campagnes/{CAMPAIGN}").text
        charts = re.findall(r"<bar-chart[^>]*>", html)
        assert len(charts) == 2
        assert all('data-min="1"' in c and 'data-max="5"' in c for c in charts)
        wide, narrow = charts
        assert 'horizontal="true"' not in wide and 'horizontal="true"' in narrow


def test_closing_a_campaign_asks_first_in_a_modal_and_without_script_on_a_confirmation_page(
    signed_in: Any,
) -> None:
    fake = Api(campaign(mid_term_due=None))
    for client, csrf in signed_in("coordinator", fake):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        assert '<dialog id="confirmer-cloture" class="fr-modal"' in html
        assert 'form="form-consensus" name="confirme" value="oui"' in html  # the modal submits the form
        assert (
            'relais-with-script" type="button" data-fr-opened="false" aria-controls="confirmer-cloture"'
            in html
        )
        assert 'class="fr-btn  relais-without-script" type="submit"' in html
        assert 'id="confirmer-cloture-sans-validation"' not in html  # validated: no closing without it
        # Without script the form is posted without the confirmation: nothing closed, the question asked.
        form = {"csrf_token": csrf, "note_innovation": "4,5", "note_usefulness": "4", "conclusions": "Utile."}
        asked = client.post(f"/evaluation/campagnes/{CAMPAIGN}/consensus", data=form)
        assert asked.status_code == 200
        text = unescape(asked.text)
        assert "<h1>Clore la campagne ?</h1>" in text and "ne pourra pas être rouverte" in text
        assert "Innovation : 4,5" in text
        for name, value in (("confirme", "oui"), ("note_innovation", "4,5"), ("conclusions", "Utile.")):
            assert f'name="{name}" value="{value}"' in text  # what was typed, posted again on « Oui »
        assert not [r for r in fake.calls if r.url.path.endswith("/close")]
        confirmed = client.post(
            f"/evaluation/campagnes/{CAMPAIGN}/consensus", data=form | {"confirme": "oui"}
        )
        assert confirmed.status_code == 303
        assert len([r for r in fake.calls if r.url.path.endswith("/close")]) == 1


def test_a_refused_consensus_lists_its_errors_at_the_top_with_links_to_the_fields(signed_in: Any) -> None:
    for client, csrf in signed_in("coordinator", Api(campaign(mid_term_due=None))):
        form = {
            "csrf_token": csrf,
            "note_innovation": "9",
            "note_usefulness": "",
            "conclusions": "",
            "confirme": "oui",
        }
        refused = client.post(f"/evaluation/campagnes/{CAMPAIGN}/consensus", data=form)
        assert refused.status_code == 422
        html = unescape(refused.text)
        summary = html[html.index('id="erreurs"') : html.index("</div>", html.index('id="erreurs"'))]
        assert html.index('id="erreurs"') < html.index('id="grille"')  # before the page's sections
        assert (
            '<a href="#note_innovation">Note de consensus : Innovation</a> : Une note entre 1 et 5.'
            in summary
        )
        assert '<a href="#note_usefulness">Note de consensus : Utilité</a>' in summary
        assert (
            '<a href="#conclusions">Conclusions partagées</a> : Rédigez les conclusions partagées.' in summary
        )
        assert 'id="note_innovation"' in html and 'id="conclusions"' in html  # the links' targets


def test_a_closed_campaign_shows_the_evaluators_grid_read_only_and_says_why(signed_in: Any) -> None:
    closed = campaign(status="closed", validated=True)
    fake = Api(closed, submitted=("final",), scores={"innovation": 4, "usefulness": 5})
    for client, csrf in signed_in("evaluator", fake):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        button = html[html.index('id="ma-grille"') : html.index("</a>", html.index('id="ma-grille"'))]
        assert "Relire ma grille de l'évaluation finale" in button and "corriger" not in button
        grid = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}/grille/finale").text)
        assert '<form method="post" action="/evaluation/campagnes' not in grid  # no form to fill in vain
        assert 'type="radio"' not in grid and "Enregistrer ma grille" not in grid
        assert (
            "La campagne est close" in grid and "Votre grille ne peut plus être déposée ni corrigée." in grid
        )
        assert "Innovation : 4" in grid and "Utilité : 5" in grid  # the grid as filed, read-only
        # Closed while the form was open: the refusal shows the grid read-only too, not a form again.
        fake.refuse_put = 409
        fake.found = campaign()  # the page was read while still open
        posted = client.post(
            f"/evaluation/campagnes/{CAMPAIGN}/grille/finale",
            data={"csrf_token": csrf, "note_innovation": "3"},
        )
        assert posted.status_code == 409
        text = unescape(posted.text)
        assert "Votre grille ne peut plus être déposée ni corrigée." in text and 'type="radio"' not in text


def test_a_grid_filed_without_every_mandatory_criterion_says_which_and_what_it_means(signed_in: Any) -> None:
    fake = Api(campaign(), submitted=("final",), scores={"innovation": 4})
    for client, _csrf in signed_in("evaluator", fake):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}/grille/finale?fait=enregistree").text)
        warning = html[
            html.index('id="criteres-sans-note"') : html.index(
                "</div>", html.index('id="criteres-sans-note"')
            )
        ]
        assert "Critères obligatoires encore sans note : Utilité." in warning
        assert "les notes et appréciations des autres évaluateurs vous restent cachées" in warning
        assert "experts externes qu'exige la validation de la campagne" in warning  # an expert's grid
    for client, _csrf in signed_in(
        "evaluator", Api(campaign(), submitted=("final",), scores={"innovation": 4, "usefulness": 3})
    ):
        html = client.get(f"/evaluation/campagnes/{CAMPAIGN}/grille/finale?fait=enregistree").text
        assert 'id="criteres-sans-note"' not in html


def test_the_campaign_page_words(signed_in: Any) -> None:
    sixths = [
        {"code": c, "label": c, "weight": "1", "share": 1 / 6, "mandatory": True}
        for c in (
            "innovation",
            "empowerment",
            "suitability",
            "usefulness",
            "accessibility",
            "transferability",
        )
    ]
    results = {**RESULTS, "validated": False}
    results["perspectives"] = [{**p, "evaluators": 0} if p["perspective"] == "external_expert" else p
                               for p in RESULTS["perspectives"]]  # fmt: skip
    fake = Api(campaign(criteria=sixths))
    original = fake.__call__

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/results"):
            return httpx.Response(200, json=results)
        return original(request)

    for client, _csrf in signed_in("coordinator", answer):
        html = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        assert html.count("16,7\u202f%") == 6 and "17 %" not in html  # one decimal, as the report
        assert "Pouvoir d'agir" in html and "Empowerment" not in html
        assert "Échéance intermédiaire (test d'utilisation)" in html
        assert "Experts externes ayant déposé leur évaluation : 0 sur 2 au moins." in html


def test_the_campaigns_list_invites_in_both_genders(signed_in: Any) -> None:
    for client, _csrf in signed_in("evaluator", Api([])):  # type: ignore[arg-type]
        html = unescape(client.get("/evaluation/campagnes").text)
        assert "Pour être invité ou invitée à une autre" in html and "Pour être invitée à une" not in html
