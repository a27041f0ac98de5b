"""The clauses pages when the clauses API is down, and their forms without a CSRF token (no stack needed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings

CONTRACT = "/clauses/marches/6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"


@pytest.fixture
def client() -> Iterator[TestClient]:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = PortalSettings(referral_url=down, clauses_url=down, api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        codec = test_client.app.state.sessions_codec  # type: ignore[attr-defined]
        session = codec.new(
            token="t", sub="s", org_id="o", org_name="Org", org_kind="maison_emploi", role="facilitator"
        )
        test_client.cookies.set(COOKIE, codec.dumps(session))
        test_client.headers["X-Csrf"] = session.csrf  # kept here for the test, never sent by a browser
        yield test_client


def test_the_clauses_service_down_is_a_503_page_that_names_it_and_says_when_to_try_again(
    client: TestClient,
) -> None:
    answer = client.get("/clauses")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert "Le service des clauses sociales ne répond pas" in answer.text
    assert "Traceback" not in answer.text


def test_a_facilitator_lands_on_the_clauses_not_on_the_referral_worklist(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/clauses"


@pytest.mark.parametrize("action", ["heures", "heures/import", "penalite/observations", "penalite/decision"])
def test_a_clauses_form_without_its_csrf_token_is_refused_before_any_call(
    client: TestClient, action: str
) -> None:
    refused = client.post(f"{CONTRACT}/{action}", data={"hours": "10"})
    assert refused.status_code == 403
    assert "Formulaire refusé" in refused.text
    # With its token, the form goes through to the API (down here: 503, not 403).
    accepted = client.post(
        f"{CONTRACT}/{action}", data={"csrf_token": client.headers["X-Csrf"], "hours": "1"}
    )
    assert accepted.status_code == 503
