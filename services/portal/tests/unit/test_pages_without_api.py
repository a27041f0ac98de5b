"""Pages when the referral API is down, and pages that need a session (no stack needed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings


@pytest.fixture
def client() -> Iterator[TestClient]:
    # Nothing listens on this port: the referral API is "down".
    settings = PortalSettings(referral_url=f"http://127.0.0.1:{free_port()}", api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _sign_in(client: TestClient) -> str:
    codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
    session = codec.new(token="t", sub="s", org_id="o", org_name="Org", org_kind="plie", role="counsellor")
    client.cookies.set(COOKIE, codec.dumps(session))
    return str(session.csrf)


def test_an_emailed_referral_link_asks_for_sign_in_then_comes_back() -> None:
    with TestClient(create_app(PortalSettings()), follow_redirects=False) as client:
        answer = client.get("/orientations/6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion?next=/orientations/6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"


def test_a_service_down_shows_a_banner_and_a_503_page_not_a_stack_trace(client: TestClient) -> None:
    _sign_in(client)
    answer = client.get("/")
    assert answer.status_code == 503
    assert "Service momentanément indisponible" in answer.text
    assert "Traceback" not in answer.text


def test_a_form_without_its_csrf_token_is_refused_before_any_call(client: TestClient) -> None:
    csrf = _sign_in(client)
    refused = client.post("/orientations/6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10/accept", data={})
    assert refused.status_code == 403
    assert "Formulaire refusé" in refused.text
    wrong = client.post(
        "/orientations/6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10/accept", data={"csrf_token": csrf + "x"}
    )
    assert wrong.status_code == 403
    # With its token, the form goes through to the API (down here: 503, not 403).
    accepted = client.post(
        "/orientations/6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10/accept", data={"csrf_token": csrf}
    )
    assert accepted.status_code == 503


def test_the_dsfr_and_htmx_are_served_by_the_portal(client: TestClient) -> None:
    assert client.get("/static/dsfr/dsfr.min.css").status_code == 200
    assert client.get("/static/htmx/htmx.min.js").status_code == 200
