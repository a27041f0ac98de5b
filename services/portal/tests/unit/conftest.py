"""The campaign pages' tests: the portal signed in for one role, its evaluation API and referral directory
faked by the test's own handlers (``httpx.MockTransport``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from relais_dev.testing import free_port
from relais_portal.app import create_app
from relais_portal.evaluation_api import EvaluationApi, evaluation_api_of
from relais_portal.session import COOKIE
from relais_portal.settings import PortalSettings

Handler = Callable[[httpx.Request], httpx.Response]
SignedIn = Callable[..., Iterator[tuple[TestClient, str]]]


def _signed_in(
    role: str, evaluation: Handler, referral: Handler, org_id: str, language: str = "fr"
) -> Iterator[tuple[TestClient, str]]:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens: only the fakes answer
    app = create_app(PortalSettings(referral_url=down, evaluation_url=down, api_timeout_s=1))
    faked = httpx.AsyncClient(transport=httpx.MockTransport(evaluation), base_url="http://evaluation")
    app.dependency_overrides[evaluation_api_of] = lambda: EvaluationApi(faked, "t")
    with TestClient(app, follow_redirects=False) as client:
        directory = client.app.state.directory  # type: ignore[attr-defined]
        directory._client = httpx.AsyncClient(transport=httpx.MockTransport(referral), base_url="http://r")
        codec = client.app.state.sessions_codec  # type: ignore[attr-defined]
        session = codec.new(token="t", sub="s", org_id=org_id, org_name="PLIE", org_kind="plie", role=role)
        client.cookies.set(COOKIE, codec.dumps(session))
        client.cookies.set("relais_lang", language)
        yield client, session.csrf


@pytest.fixture
def signed_in_portal() -> SignedIn:
    """``signed_in_portal(role, evaluation, referral, org_id, language="fr")``: iterate once for
    ``(client, csrf)``."""
    return _signed_in
