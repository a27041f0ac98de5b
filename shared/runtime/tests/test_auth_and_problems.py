import time
import uuid
from pathlib import Path

import jwt
import pytest

from relais_shared.auth import DevIssuer, TokenVerifier
from relais_shared.problems import Problem
from relais_shared.settings import RelaisSettings


@pytest.fixture
def dev_issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer(tmp_path / "issuer")


def test_a_token_of_the_local_issuer_gives_an_organisation_scoped_principal(dev_issuer: DevIssuer) -> None:
    org = uuid.uuid4()
    verifier = TokenVerifier(issuer="relais-dev", audience="relais", dev_issuer=dev_issuer)
    principal = verifier.verify(dev_issuer.token(org_id=org, org_kind="plie", roles=["counsellor"], sub="u1"))
    assert principal.org_id == org
    assert principal.org_kind == "plie"
    assert principal.roles == frozenset({"counsellor"})
    assert principal.sub == "u1"


def test_a_token_signed_by_another_key_is_refused(dev_issuer: DevIssuer, tmp_path: Path) -> None:
    other = DevIssuer(tmp_path / "other")
    verifier = TokenVerifier(issuer="relais-dev", audience="relais", dev_issuer=dev_issuer)
    with pytest.raises(Problem) as refused:
        verifier.verify(other.token(org_id=uuid.uuid4(), org_kind="plie", roles=["counsellor"]))
    assert refused.value.status == 401


def test_an_expired_token_is_refused(dev_issuer: DevIssuer) -> None:
    verifier = TokenVerifier(issuer="relais-dev", audience="relais", dev_issuer=dev_issuer)
    token = dev_issuer.token(org_id=uuid.uuid4(), org_kind="plie", roles=["counsellor"], ttl_s=-10)
    with pytest.raises(Problem):
        verifier.verify(token)


def test_a_token_for_another_audience_is_refused(dev_issuer: DevIssuer) -> None:
    verifier = TokenVerifier(issuer="relais-dev", audience="relais", dev_issuer=dev_issuer)
    claims = jwt.decode(
        dev_issuer.token(org_id=uuid.uuid4(), org_kind="plie", roles=["counsellor"]),
        options={"verify_signature": False},
    )
    claims["aud"] = "another-app"
    claims["exp"] = int(time.time()) + 60
    forged = jwt.encode(claims, "a-shared-secret-that-is-not-the-issuer-key", algorithm="HS256")
    with pytest.raises(Problem):
        verifier.verify(forged)


def test_unknown_roles_are_never_issued(dev_issuer: DevIssuer) -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        dev_issuer.token(org_id=uuid.uuid4(), org_kind="plie", roles=["superuser"])


def test_problem_body_follows_rfc_9457_with_french_and_english_titles() -> None:
    body = Problem("validation-error", "Champ manquant", [{"field": "motive", "message": "requis"}]).body(
        "/v1/x"
    )
    assert body["type"].endswith("/validation-error")
    assert body["status"] == 422
    assert body["title"] == "Données invalides"
    assert body["title_en"] == "Invalid data"
    assert body["instance"] == "/v1/x"
    assert body["errors"][0]["field"] == "motive"


def test_production_refuses_placeholder_secrets_and_the_local_issuer() -> None:
    with pytest.raises(ValueError, match="PACT_KEY"):
        RelaisSettings(environment="production", jwt_jwks_url="https://idp.example/jwks")
    with pytest.raises(ValueError, match="JWKS"):
        RelaisSettings(environment="production", pact_key="a-real-secret-value")


def test_a_token_is_verified_once_per_request_though_the_role_rule_and_the_handler_both_ask(
    dev_issuer: DevIssuer,
) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from relais_shared.auth import CurrentPrincipal, Principal, require_roles

    calls: list[str] = []

    class CountingVerifier(TokenVerifier):
        def verify(self, token: str) -> Principal:
            calls.append(token)
            return super().verify(token)

    app = FastAPI()
    app.state.token_verifier = CountingVerifier(
        issuer=dev_issuer.issuer, audience=dev_issuer.audience, dev_issuer=dev_issuer
    )

    @app.get("/mine", dependencies=[require_roles("counsellor")])
    async def mine(principal: CurrentPrincipal) -> dict[str, str]:
        return {"org": str(principal.org_id)}

    token = dev_issuer.token(org_id=uuid.uuid4(), org_kind="plie", roles=["counsellor"])
    with TestClient(app) as client:
        for _ in range(2):
            assert client.get("/mine", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert len(calls) == 2  # one verification per request, not one per dependency asking


async def test_the_providers_key_set_is_read_off_the_event_loop_once_then_from_memory(
    dev_issuer: DevIssuer,
) -> None:
    import http.server
    import json
    import threading

    reads: list[int] = []  # the thread that served each read of the key set

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reads.append(threading.get_ident())
            body = json.dumps(dev_issuer.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        verifier = TokenVerifier(
            issuer="relais-dev", audience="relais", jwks_url=f"http://127.0.0.1:{server.server_port}/jwks"
        )
        fetched_on: list[int] = []
        fetch = verifier._fetch_key
        verifier._fetch_key = lambda token: (fetched_on.append(threading.get_ident()), fetch(token))[1]  # type: ignore[method-assign]
        org = uuid.uuid4()
        for _ in range(3):
            token = dev_issuer.token(org_id=org, org_kind="plie", roles=["counsellor"])
            assert (await verifier.verify_async(token)).org_id == org
        assert len(reads) == 1
        assert fetched_on and threading.get_ident() not in fetched_on  # never on the event loop's thread
    finally:
        server.shutdown()


def test_an_error_page_that_fails_to_draw_falls_back_to_problem_json_not_to_a_traceback() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from starlette.types import Scope

    from relais_shared.problems import install_problem_handlers

    def broken_page(problem: Problem, scope: Scope) -> None:
        raise KeyError("a template's missing variable")

    app = FastAPI()
    install_problem_handlers(app, unhandled=broken_page)  # type: ignore[arg-type]

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("Dupont's record")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/internal-error")
    assert "Dupont" not in answer.text and "template" not in answer.text
