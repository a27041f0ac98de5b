"""The referral page of a referral to a training session tells its counsellor where the enrolment stands:
the session (title, provider, dates, place), the enrolment's state with the waitlist rank, the attendance
so far. Over stubs of the referral and training APIs (the browser test walks it over the real ones)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_portal.training_api import TrainingApi
from relais_portal.web import training as training_pages

from .test_referral_pages import (
    FRANCE_TRAVAIL,
    MISSION_LOCALE,
    REFERRAL,
    ReferralStub,
    referral,
    sign_in,
    text,
)
from .test_referral_pages import app_client as app_client  # the referral pages' fixtures, used here
from .test_referral_pages import stub as stub

SESSION = "5e55e55e-0000-4000-8000-000000000003"
TRAINING_SESSION = {
    "id": SESSION,
    "offer_id": "0ffe0ffe-0000-4000-8000-000000000004",
    "provider_org_id": MISSION_LOCALE,
    "starts_on": "2027-01-11",
    "ends_on": "2027-03-19",
    "commune": "Saint-Herblain",
    "code_insee": "44162",
    "capacity": 10,
    "confirmed": 10,
    "free_seats": 0,
    "state": "full",
    "near_qpv": True,
    "accessible": True,
    "childcare": False,
    "timetable": "Lundi au jeudi, 9 h – 12 h",
    "transport_note": "Tram 1, arrêt Romanet",
    "title": "Titre professionnel agent de restauration",
    "kind": "qualifying",
    "enrollable": True,
}


def enrolment(status: str, **more: Any) -> dict[str, Any]:
    return {
        "id": "e0e0e0e0-0000-4000-8000-000000000005",
        "referral_id": REFERRAL,
        "status": status,
        "waitlist_rank": None,
        "outcome": None,
        "reason_code": None,
        "days_present": 0,
        "days_absent": 0,
        "session": TRAINING_SESSION,
        **more,
    }


class TrainingStub:
    """The training API: the referral's enrolment (or 404: none yet), the session; calls recorded."""

    def __init__(self) -> None:
        self.enrolment: dict[str, Any] | None = None
        self.down = False
        self.session_status = 200
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == f"/v1/referrals/{REFERRAL}/enrolment" and self.enrolment:
            return httpx.Response(200, json=self.enrolment)
        if request.url.path == f"/v1/sessions/{SESSION}" and self.session_status == 200:
            return httpx.Response(200, json=TRAINING_SESSION)
        if request.url.path == f"/v1/sessions/{SESSION}":
            return httpx.Response(self.session_status, json={"title": "Accès refusé"})
        return httpx.Response(404, json={"title": "Ressource introuvable"})


@pytest.fixture
def training(monkeypatch: pytest.MonkeyPatch) -> Iterator[TrainingStub]:
    stub = TrainingStub()

    @asynccontextmanager
    async def faked(request: Any, token: str) -> AsyncIterator[TrainingApi]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(stub), base_url="http://t") as client:
            yield TrainingApi(client, token)

    monkeypatch.setattr(training_pages, "open_training_api", faked)
    yield stub


def _page(app_client: TestClient, stub: ReferralStub, **more: Any) -> str:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral("acknowledged", training_session_id=SESSION, **more)
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    page = app_client.get(f"/orientations/{REFERRAL}")
    assert page.status_code == 200, page.text
    return text(page)


def test_the_counsellor_reads_the_session_and_the_rank_of_the_person_on_its_waitlist(
    app_client: TestClient, stub: ReferralStub, training: TrainingStub
) -> None:
    training.enrolment = enrolment("waitlisted", waitlist_rank=2)
    page = _page(app_client, stub)
    assert "Session de formation demandée" in page
    assert "Titre professionnel agent de restauration" in page
    assert "Organisme Mission locale Nantes Métropole" in page
    assert "Du 11/01/2027 au 19/03/2027 · Lundi au jeudi, 9 h – 12 h" in page
    assert "Saint-Herblain · Tram 1, arrêt Romanet" in page
    assert "Inscription Sur liste d'attente, rang 2" in page
    assert "Émargement" not in page  # nobody takes attendance of a person waiting


@pytest.mark.parametrize(
    ("status", "more", "said"),
    [
        (
            "confirmed",
            {"days_present": 3, "days_absent": 1},
            "Inscrit·e Émargement Présent·e 3 fois sur 4 journées",
        ),
        ("confirmed", {}, "Inscrit·e Émargement Aucune journée émargée pour l'instant."),
        (
            "completed",
            {"outcome": "certified", "days_present": 40},
            "Formation terminée (certification obtenue)",
        ),
        ("abandoned", {"reason_code": "mobility", "days_present": 2}, "Abandon (Mobilité, transport)"),
        ("cancelled", {"reason_code": "waitlist_closed"}, "Inscription annulée (liste d'attente close"),
        ("cancelled", {}, "Inscription annulée (par l'organisme)"),
    ],
)
def test_the_counsellor_reads_the_state_of_the_enrolment_and_the_attendance_so_far(
    app_client: TestClient, stub: ReferralStub, training: TrainingStub, status: str, more: Any, said: str
) -> None:
    training.enrolment = enrolment(status, **more)
    assert said in _page(app_client, stub)


def test_a_request_the_provider_has_not_answered_yet_shows_the_session_and_says_so(
    app_client: TestClient, stub: ReferralStub, training: TrainingStub
) -> None:
    page = _page(app_client, stub)
    assert "Titre professionnel agent de restauration" in page
    assert "Inscription En attente de réponse de l'organisme" in page


def test_the_training_service_down_leaves_the_referral_page_whole_and_says_so(
    app_client: TestClient, stub: ReferralStub, training: TrainingStub
) -> None:
    training.down = True
    page = _page(app_client, stub)
    assert "Le service des formations ne répond pas" in page
    assert "Projet en restauration" in page  # the referral itself is there


@pytest.mark.parametrize("status", [403, 404])
def test_a_session_the_training_service_refuses_to_show_is_not_called_an_outage(
    app_client: TestClient, stub: ReferralStub, training: TrainingStub, status: int
) -> None:
    training.session_status = status
    page = _page(app_client, stub)
    assert "La session demandée ne peut pas être affichée" in page
    assert "ne répond pas" not in page


def test_a_referral_naming_no_session_asks_nothing_of_the_training_service(
    app_client: TestClient, stub: ReferralStub, training: TrainingStub
) -> None:
    stub.answers[f"/v1/referrals/{REFERRAL}"] = referral("acknowledged")
    sign_in(app_client, FRANCE_TRAVAIL, "france_travail")
    page = text(app_client.get(f"/orientations/{REFERRAL}"))
    assert "Session de formation" not in page and training.paths == []
