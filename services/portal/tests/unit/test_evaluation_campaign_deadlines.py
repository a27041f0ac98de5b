"""A campaign's deadlines in the portal, on a faked evaluation API: the coordinator's form to move them
(the API's refusal in words next to the field) and the evaluator whose milestone's deadline passed (told
why, offered no form)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_portal.web.evaluation_campaign_deadlines import deadlines_body

CAMPAIGN = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
PLIE = "0b9e2c4a-3d1f-4e8a-9c7b-5a6d2e1f0c3b"
CRITERIA = [{"code": "innovation", "label": "Innovation", "weight": "1", "share": 1.0, "mandatory": True}]


def campaign(**changes: Any) -> dict[str, Any]:
    return {
        "id": CAMPAIGN,
        "title": "Ateliers mobilité",
        "subject_kind": "action",
        "subject": "Ateliers",
        "org_id": PLIE,
        "criteria": CRITERIA,
        "scale_min": 1,
        "scale_max": 5,
        "mid_term_due": "2027-03-31",
        "final_due": "2027-06-30",
        "status": "open",
        "mid_term_reached": False,
        "final_reached": False,
        "evaluators": [],
        "validated": None,
        "consensus": None,
        "closed_at": None,
        **changes,
    }


MINE = {
    "evaluator_id": "e1",
    "perspective": "external_expert",
    "milestone": "final",
    "submitted": True,
    "scores": {"innovation": 4},
    "strong_points": "Ateliers utiles.",
    "weaknesses": "",
    "recommendations": "",
}
PASSED = {
    "type": "https://relais.example.org/problems/conflict",
    "status": 409,
    "detail": "L'échéance du 30/06/2027 est passée",
    "errors": [{"field": "milestone", "code": "deadline_passed", "message": "passée"}],
}
MID_AFTER_FINAL = {
    "type": "https://relais.example.org/problems/validation-error",
    "status": 422,
    "errors": [
        {
            "field": "mid_term_due",
            "code": "invalid",
            "message": "L'échéance intermédiaire doit précéder l'échéance finale.",
        }
    ],
}


def api(found: dict[str, Any], sent: list[tuple[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "PUT":
            sent.append((path, json.loads(request.content)))
            if path.endswith("/deadlines") and found["status"] == "closed":
                return httpx.Response(409, json={"status": 409, "detail": "Campagne close.", "errors": []})
            if path.endswith("/deadlines"):
                return httpx.Response(422, json=MID_AFTER_FINAL)
            return httpx.Response(409, json=PASSED)
        if path.endswith("/results"):
            return httpx.Response(403, json={"status": 403, "errors": []})
        if "/assessments/" in path:
            return httpx.Response(200, json=MINE)
        return httpx.Response(200, json=found)

    return answer


def referral(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v1/organisations":
        return httpx.Response(200, json={"items": []})
    return httpx.Response(200, json={"id": PLIE, "name": "PLIE de la métropole"})


@pytest.fixture
def signed_in(signed_in_portal: Any) -> Any:
    """The portal for ``role`` on the faked API holding ``found`` (what it is sent: ``sent``)."""

    def portal(
        role: str, found: dict[str, Any], sent: list[tuple[str, Any]], language: str = "fr"
    ) -> Iterator[tuple[TestClient, str]]:
        return signed_in_portal(role, api(found, sent), referral, PLIE, language)

    return portal


def move(client: TestClient, csrf: str, mid_term: str, final: str) -> Any:
    """The coordinator's deadlines form, posted."""
    return client.post(
        f"/evaluation/campagnes/{CAMPAIGN}/echeances",
        data={"csrf_token": csrf, "echeance_intermediaire": mid_term, "echeance_finale": final},
    )


@pytest.fixture
def sent() -> list[tuple[str, Any]]:
    return []


def test_an_evaluator_whose_deadline_passed_is_told_why_and_offered_no_form(
    sent: list[tuple[str, Any]], signed_in: Any
) -> None:
    for client, _csrf in signed_in("evaluator", campaign(final_reached=True), sent):
        page = client.get(f"/evaluation/campagnes/{CAMPAIGN}/grille/finale")
        assert page.status_code == 200, page.text
        html = unescape(page.text)
        assert (
            "L'échéance du 30/06/2027 est passée : votre grille ne peut plus être déposée ni corrigée" in html
        )
        assert "demandez à la coordination de la campagne de déplacer l'échéance" in html
        assert f'action="/evaluation/campagnes/{CAMPAIGN}/grille/finale"' not in html
        assert "Ateliers utiles." in html  # what they submitted, to read
        overview = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        assert 'id="echeance-passee-final"' in overview and "Relire ma grille" in overview


def test_a_grid_refused_for_a_deadline_passed_meanwhile_says_why_not_a_bare_error(
    sent: list[tuple[str, Any]], signed_in: Any
) -> None:
    for client, csrf in signed_in("evaluator", campaign(), sent):  # open when the page was shown
        posted = client.post(
            f"/evaluation/campagnes/{CAMPAIGN}/grille/finale",
            data={"csrf_token": csrf, "note_innovation": "5", "strong_points": "Texte refusé."},
        )
        assert posted.status_code == 409
        html = unescape(posted.text)
        assert 'id="echeance-passee"' in html and "déplacer l'échéance" in html
        # The grid shown as submitted is the stored one, not the refused edit.
        assert "Ateliers utiles." in html and "Texte refusé." not in html
        assert f'action="/evaluation/campagnes/{CAMPAIGN}/grille/finale"' not in html
    assert [path for path, _ in sent] == [f"/v1/campaigns/{CAMPAIGN}/assessments/final"]


def test_the_coordinator_moves_the_deadlines_and_a_refusal_is_said_next_to_its_field(
    sent: list[tuple[str, Any]], signed_in: Any
) -> None:
    for client, csrf in signed_in("coordinator", campaign(), sent):
        page = unescape(client.get(f"/evaluation/campagnes/{CAMPAIGN}").text)
        assert 'action="/evaluation/campagnes/' + CAMPAIGN + '/echeances"' in page
        assert 'type="date" id="echeance_finale" name="echeance_finale" value="2027-06-30"' in page
        assert (
            'type="date" id="echeance_intermediaire" name="echeance_intermediaire" value="2027-03-31"' in page
        )
        posted = move(client, csrf, "2027-08-01", "2027-07-31")
        assert posted.status_code == 422
        html = unescape(posted.text)
        error = "L'échéance intermédiaire doit précéder l'échéance finale."
        assert f'<p id="echeance_intermediaire-erreur" class="fr-error-text">{error}</p>' in html
        assert 'value="2027-08-01"' in html  # what they typed, kept
    assert sent == [
        (f"/v1/campaigns/{CAMPAIGN}/deadlines", {"mid_term_due": "2027-08-01", "final_due": "2027-07-31"})
    ]


def test_the_deadlines_form_asks_for_each_date_the_campaign_has() -> None:
    body, errors = deadlines_body({"echeance_finale": "", "echeance_intermediaire": "31/03/2027"}, campaign())
    assert errors == {
        "echeance_intermediaire": "Une date au format jj/mm/aaaa.",
        "echeance_finale": "Indiquez l'échéance finale.",
    }
    body, errors = deadlines_body({"echeance_finale": "2027-09-30"}, campaign(mid_term_due=None))
    assert (body, errors) == ({"mid_term_due": None, "final_due": "2027-09-30"}, {})


def test_a_campaign_closed_before_its_deadlines_moved_says_so_where_the_form_was(
    sent: list[tuple[str, Any]], signed_in: Any
) -> None:
    # Closed between the page and the move: the page has no deadlines form any more, the alert says why.
    for client, csrf in signed_in("coordinator", campaign(status="closed", closed_at="2027-02-01"), sent):
        posted = move(client, csrf, "2027-04-01", "2027-07-31")
        assert posted.status_code == 409
        assert "La campagne est close : ses échéances ne se déplacent plus." in unescape(posted.text)


def test_the_apis_refusal_of_a_move_reads_in_english_for_an_english_reader(
    sent: list[tuple[str, Any]], signed_in: Any
) -> None:
    for client, csrf in signed_in("coordinator", campaign(), sent, language="en"):
        posted = move(client, csrf, "2027-08-01", "2027-07-31")
        assert "The mid-term deadline must come before the final one." in unescape(posted.text)
