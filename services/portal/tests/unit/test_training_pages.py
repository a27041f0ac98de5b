"""The training pages without a stack: where the training API is found, and what a page says when it
does not answer."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings, ServiceLink
from relais_portal.training_api import TrainingApi, training_api_of


def _sign_in(client: TestClient, org_kind: str, role: str) -> Any:
    codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
    session = codec.new(token="t", sub="s", org_id="o", org_name="Org", org_kind=org_kind, role=role)
    client.cookies.set(COOKIE, codec.dumps(session))
    return session


def test_the_training_api_is_the_training_entry_of_the_services_unless_stated() -> None:
    services = [
        ServiceLink(name="referral", label="Orientation", url="http://127.0.0.1:9001"),
        ServiceLink(name="training", label="Formation", url="http://127.0.0.1:9003"),
    ]
    assert PortalSettings(services=services).training_url == "http://127.0.0.1:9003"
    stated = PortalSettings(services=services, training_url="http://formation.example")
    assert stated.training_url == "http://formation.example"


def test_the_training_service_down_shows_a_503_page_naming_it_and_nothing_is_sent() -> None:
    down = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(referral_url=down, training_url=down, api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        _sign_in(client, "training_provider", "training_provider")
        answer = client.get("/formations")
    assert answer.status_code == 503
    assert "Le service des formations ne répond pas" in answer.text
    assert "Traceback" not in answer.text


def test_the_training_pages_ask_for_sign_in() -> None:
    with TestClient(create_app(PortalSettings()), follow_redirects=False) as client:
        answer = client.get("/formations?commune=Rez%C3%A9")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/connexion?next=/formations")


def test_the_training_forms_without_their_csrf_token_are_refused_before_any_call() -> None:
    down = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(referral_url=down, training_url=down, api_timeout_s=1)
    session_id = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
    with TestClient(create_app(settings), follow_redirects=False) as client:
        session = _sign_in(client, "mission_locale", "counsellor")
        forms = [
            (
                f"/formations/sessions/{session_id}/inscrire",
                {"jobseeker_id": session_id, "motive": "Formation"},
            ),
            (f"/formations/sessions/{session_id}/emargement", {"day": "2027-02-01", "present": session_id}),
            (
                f"/formations/inscriptions/{session_id}/abandonner",
                {"session_id": session_id, "reason_code": "health"},
            ),
        ]
        for path, data in forms:
            refused = client.post(path, data=data)
            # 403 before any call: a call would have met the service down (503).
            assert (path, refused.status_code) == (path, 403)
            assert "Formulaire refusé" in refused.text
        with_token = client.post(forms[0][0], data={**forms[0][1], "csrf_token": session.csrf})
        assert with_token.status_code == 503


def test_cancelling_or_finishing_a_session_without_the_confirmation_asks_it_and_changes_nothing() -> None:
    session_id = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
    found = {
        "id": session_id,
        "title": "Premiers pas numériques",
        "kind": "digital",
        "starts_on": "2027-01-11",
        "ends_on": "2027-03-19",
        "commune": "Rezé",
        "state": "open",
    }
    enrolments = [{"status": "confirmed"}, {"status": "confirmed"}, {"status": "waitlisted"}]
    posted: list[str] = []

    def training_api(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posted.append(request.url.path)
            return httpx.Response(200, json={})
        return httpx.Response(200, json=enrolments if request.url.path.endswith("/enrolments") else found)

    app = create_app(PortalSettings(api_timeout_s=1))
    client_of = httpx.AsyncClient(transport=httpx.MockTransport(training_api), base_url="http://t")
    app.dependency_overrides[training_api_of] = lambda: TrainingApi(client_of, "t")
    with TestClient(app, follow_redirects=False) as client:
        session = _sign_in(client, "training_provider", "training_provider")
        asked = client.post(f"/formations/sessions/{session_id}/annuler", data={"csrf_token": session.csrf})
        assert asked.status_code == 200 and posted == []
        said = " ".join(asked.text.split())
        assert "Annuler la session ?" in said
        assert "3 inscriptions sont annulées (2 confirmées, 1 en liste d'attente)" in said
        assert "revient au conseiller qui l'a orientée" in said
        assert (
            client.post(
                f"/formations/sessions/{session_id}/clore", data={"csrf_token": session.csrf}
            ).status_code
            == 200
        )
        assert posted == []
        done = client.post(
            f"/formations/sessions/{session_id}/annuler", data={"csrf_token": session.csrf, "confirme": "oui"}
        )
        assert done.status_code == 303 and posted == [f"/v1/sessions/{session_id}/cancel"]
