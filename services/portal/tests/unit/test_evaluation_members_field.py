"""The invitation form's « personne invitée »: the chosen organisation's members from the referral
directory when it lists them to the coordinator, the typed identifier otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings

CAMPAIGN = "6f1c2f5e-1b7e-4d57-9a55-5b1f3c7a2d10"
PLIE = "0b9e2c4a-3d1f-4e8a-9c7b-5a6d2e1f0c3b"
LABO = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def directory(request: httpx.Request) -> httpx.Response:
    if request.url.path == f"/v1/organisations/{PLIE}/members":
        members = [{"sub": "a1b2-claire", "display_name": "Claire Martin", "roles": ["evaluator"]}]
        return httpx.Response(200, json=members)
    return httpx.Response(404, json={"title": "Introuvable"})  # refused: answered as unknown


def signed_in(role: str, referral: httpx.AsyncClient | None) -> Iterator[TestClient]:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens
    settings = PortalSettings(referral_url=down, evaluation_url=down, api_timeout_s=1)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        if referral is not None:
            client.app.state.http = referral  # type: ignore[attr-defined]
        codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
        session = codec.new(token="t", sub="s", org_id="o", org_name="Org", org_kind="plie", role=role)
        client.cookies.set(COOKIE, codec.dumps(session))
        yield client


@pytest.fixture
def coordinator() -> Iterator[TestClient]:
    referral = httpx.AsyncClient(transport=httpx.MockTransport(directory), base_url="http://referral")
    yield from signed_in("coordinator", referral)


def field(client: TestClient, org_id: str, compte: str = "") -> str:
    answer = client.get(
        f"/evaluation/campagnes/{CAMPAIGN}/membres", params={"org_id": org_id, "compte": compte}
    )
    assert answer.status_code == 200, answer.text
    return unescape(answer.text)


def test_the_members_the_directory_lists_are_offered_by_name_the_chosen_one_kept(
    coordinator: TestClient,
) -> None:
    html = field(coordinator, PLIE, compte="a1b2-claire")
    assert "La personne invitée" in html and '<select class="fr-select" id="compte" name="compte"' in html
    assert '<option value="a1b2-claire" selected>Claire Martin</option>' in html


def test_an_organisation_the_directory_refuses_or_lists_nobody_keeps_the_typed_identifier(
    coordinator: TestClient,
) -> None:
    for org_id in (LABO, "pas-un-identifiant", ""):
        html = field(coordinator, org_id)
        assert "Son identifiant de connexion" in html and "<select" not in html


def test_the_directory_down_keeps_the_typed_identifier() -> None:
    for client in signed_in("coordinator", None):  # the referral API does not answer
        assert "Son identifiant de connexion" in field(client, PLIE)


def test_only_a_coordinator_gets_the_field() -> None:
    for role in ("evaluator", "counsellor"):
        for client in signed_in(role, None):
            answer = client.get(f"/evaluation/campagnes/{CAMPAIGN}/membres", params={"org_id": PLIE})
            assert answer.status_code == 403
