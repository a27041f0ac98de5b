"""The training pages without a stack: where the training API is found, and what a page says when it
does not answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings, ServiceLink


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
        codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
        session = codec.new(
            token="t",
            sub="s",
            org_id="o",
            org_name="Org",
            org_kind="training_provider",
            role="training_provider",
        )
        client.cookies.set(COOKIE, codec.dumps(session))
        answer = client.get("/formations")
    assert answer.status_code == 503
    assert "Le service des formations ne répond pas" in answer.text
    assert "Traceback" not in answer.text


def test_the_training_pages_ask_for_sign_in() -> None:
    with TestClient(create_app(PortalSettings()), follow_redirects=False) as client:
        answer = client.get("/formations?commune=Rez%C3%A9")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/connexion?next=/formations")
