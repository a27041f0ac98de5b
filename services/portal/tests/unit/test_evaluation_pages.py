"""The evaluation pages without a stack: where the evaluation API is found, who is refused before any
call, what a page says when the service does not answer, and the grid's weights checked in words."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings, ServiceLink
from relais_portal.web.evaluation import _criteria, _why_not_valid

CAMPAIGN = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"


def test_the_evaluation_api_is_the_evaluation_entry_of_the_services_unless_stated() -> None:
    services = [ServiceLink(name="evaluation", label="Évaluation", url="http://127.0.0.1:9004")]
    assert PortalSettings(services=services).evaluation_url == "http://127.0.0.1:9004"
    assert (
        PortalSettings(services=services, evaluation_url="http://e.example").evaluation_url
        == "http://e.example"
    )


def signed_in(role: str) -> Iterator[tuple[TestClient, str]]:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens: a call would be a 503
    settings = PortalSettings(referral_url=down, evaluation_url=down, api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
        session = codec.new(token="t", sub="s", org_id="o", org_name="Org", org_kind="plie", role=role)
        client.cookies.set(COOKIE, codec.dumps(session))
        yield client, session.csrf


@pytest.fixture
def counsellor() -> Iterator[tuple[TestClient, str]]:
    yield from signed_in("counsellor")


@pytest.fixture
def coordinator() -> Iterator[tuple[TestClient, str]]:
    yield from signed_in("coordinator")


@pytest.fixture
def evaluator() -> Iterator[tuple[TestClient, str]]:
    yield from signed_in("evaluator")


def test_a_counsellor_gets_a_refusal_page_before_any_call(counsellor: tuple[TestClient, str]) -> None:
    client, csrf = counsellor
    for path in (
        "/evaluation",
        "/evaluation/campagnes",
        f"/evaluation/campagnes/{CAMPAIGN}",
        "/evaluation/export/referral_funnel.csv",
        f"/evaluation/campagnes/{CAMPAIGN}/rapport.pdf",
    ):
        answer = client.get(path)
        assert (path, answer.status_code) == (path, 403)  # a call would have met the service down
        assert "Accès réservé à l'évaluation" in unescape(answer.text)
    posted = client.post(f"/evaluation/campagnes/{CAMPAIGN}/evaluateurs", data={"csrf_token": csrf})
    assert posted.status_code == 403


def test_an_evaluator_may_not_open_invite_or_close_and_a_coordinator_has_no_grid(
    evaluator: tuple[TestClient, str], coordinator: tuple[TestClient, str]
) -> None:
    client, csrf = evaluator
    assert client.get("/evaluation/campagnes/nouvelle").status_code == 403
    for action in ("evaluateurs", "consensus"):
        refused = client.post(f"/evaluation/campagnes/{CAMPAIGN}/{action}", data={"csrf_token": csrf})
        assert refused.status_code == 403
        assert "Seule la coordination" in unescape(refused.text)
    client, _csrf = coordinator
    refused = client.get(f"/evaluation/campagnes/{CAMPAIGN}/grille/finale")
    assert refused.status_code == 403
    assert "Seuls les évaluateurs et évaluatrices invités" in unescape(refused.text)


def test_the_evaluation_service_down_shows_a_503_page_naming_it(coordinator: tuple[TestClient, str]) -> None:
    client, _csrf = coordinator
    answer = client.get("/evaluation?du=2025-01&au=2025-03")
    assert answer.status_code == 503
    assert "Le service d'évaluation ne répond pas" in unescape(answer.text)
    assert "Traceback" not in answer.text


def test_the_evaluation_forms_without_their_csrf_token_are_refused(
    coordinator: tuple[TestClient, str],
) -> None:
    client, _csrf = coordinator
    for path in (
        "/evaluation/campagnes/nouvelle",
        f"/evaluation/campagnes/{CAMPAIGN}/evaluateurs",
        f"/evaluation/campagnes/{CAMPAIGN}/consensus",
        f"/evaluation/campagnes/{CAMPAIGN}/grille/finale",
    ):
        assert (path, client.post(path, data={"titre": "x"}).status_code) == (path, 403)


def test_weights_giving_the_mandatory_criteria_less_than_two_thirds_are_refused_in_words() -> None:
    form = {f"poids_{c}": "1" for c in ("innovation", "empowerment", "suitability", "usefulness")}
    form |= {"poids_accessibility": "1", "poids_transferability": "1", "poids_equality": "4"}
    errors: dict[str, str] = {}
    _criteria(form, errors)
    assert "ils n'en portent ici que 60" in errors["criteria"]
    assert "au plus 3 ensemble" in errors["criteria"]
    errors = {}
    own = {"poids_equality": "2", "autre_libelle_1": "Mobilité douce", "autre_poids_1": "0,5"}
    criteria = _criteria(form | own, errors)
    assert errors == {}  # 6 of 8.5: 71 %
    own_criterion = {
        "code": "own_mobilite_douce",
        "label": "Mobilité douce",
        "weight": "0.5",
        "mandatory": False,
    }
    assert criteria[-1] == own_criterion


def test_a_weight_that_is_not_a_positive_number_is_refused_next_to_its_field() -> None:
    errors: dict[str, str] = {}
    _criteria({"poids_innovation": "beaucoup", "poids_equality": "-1"}, errors)
    assert errors["poids_innovation"].startswith("Un poids est un nombre positif")
    assert errors["poids_equality"].startswith("Un poids est un nombre positif")


def test_why_a_campaign_is_not_valid_is_said_in_words() -> None:
    campaign = {
        "criteria": [
            {"code": "innovation", "label": "Innovation", "mandatory": True},
            {"code": "usefulness", "label": "Utilité", "mandatory": True},
        ]
    }
    results = {
        "validated": False,
        "reasons": ["Au moins 2 experts externes requis (1 à ce jour)."],
        "overall_criteria": {"innovation": 4.0},
        "perspectives": [{"perspective": "external_expert", "evaluators": 1}],
    }
    assert _why_not_valid(campaign, results) == [
        "Experts externes ayant déposé leur évaluation : 1 sur 2 au moins.",
        "Critères obligatoires encore sans note : Utilité.",
    ]
