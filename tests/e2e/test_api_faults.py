"""The referral API (its own uvicorn process, as `make run` starts it) when its database fails: an outage
is a 503 with Retry-After, logged once, and the API recovers; a statement that fails on a person's
registration leaves that person's name in no log line, and the client's kept-alive connection serves on."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, eventually
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer

pytestmark = pytest.mark.integration


@pytest.fixture
def api(stack: Stack, tmp_path: Path) -> Iterator[ServiceProcesses]:
    """The referral API process alone (the relay, consumers and worker play no part here)."""
    processes = ServiceProcesses("referral", stack, tmp_path)
    processes.start("api")
    try:
        yield processes
    finally:
        processes.stop_all()


def log_lines(api: ServiceProcesses) -> list[dict[str, object]]:
    """Every line the API process wrote; each must be one JSON object with a level."""
    lines = [json.loads(line) for line in (api.workdir / "referral-api.log").read_text().splitlines()]
    assert all("level" in line for line in lines), lines
    return lines


def counsellor(issuer: DevIssuer, org: uuid.UUID) -> dict[str, str]:
    return {"Authorization": "Bearer " + issuer.token(org_id=org, org_kind="plie", roles=["counsellor"])}


async def ready_with_an_organisation(
    client: httpx.AsyncClient, api: ServiceProcesses, issuer: DevIssuer
) -> dict[str, str]:
    """Waits for the API, adds an organisation to the directory, returns its counsellor's headers."""
    await eventually(lambda: api.ready(client), "referral API ready", 60)
    coordination = ReferralSettings().coordination_org_id
    admin = issuer.token(org_id=coordination, org_kind="pact_coordination", roles=["admin"])
    org = uuid.uuid4()
    created = await client.post(
        "/v1/organisations",
        headers={"Authorization": f"Bearer {admin}"},
        json={"id": str(org), "name": f"PLIE {org.hex[:6]}", "kind": "plie", "departement": "44"},
    )
    assert created.status_code == 201, created.text
    return counsellor(issuer, org)


async def test_a_database_outage_is_a_503_with_retry_after_logged_once_and_the_api_recovers(
    stack: Stack, issuer: DevIssuer, api: ServiceProcesses
) -> None:
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        headers = await ready_with_an_organisation(client, api, issuer)
        assert (await client.get("/v1/organisations", headers=headers)).status_code == 200
        try:
            await asyncio.to_thread(stack._stop_postgres)
            answers = [await client.get("/v1/organisations", headers=headers) for _ in range(30)]
            ready = await client.get("/ready")
        finally:
            await asyncio.to_thread(lambda: (stack._start_postgres(), stack._wait_postgres()))

        async def served() -> bool:
            return (await client.get("/v1/organisations", headers=headers)).status_code == 200

        await eventually(served, "the API serves again once PostgreSQL is back", 60)

    assert [answer.status_code for answer in answers] == [503] * 30, answers[0].text
    assert {answer.headers["retry-after"] for answer in answers} == {"5"}
    assert {answer.headers["content-type"] for answer in answers} == {"application/problem+json"}
    problem = answers[0].json()
    assert problem["type"] == "https://relais.example.org/problems/service-unavailable"
    assert problem["title"].startswith("Service momentanément indisponible")
    assert problem["title_en"].startswith("Service temporarily unavailable")
    assert ready.status_code == 503

    lines = log_lines(api)
    began = [line for line in lines if str(line["msg"]).startswith("a dependency is unavailable")]
    ended = [line for line in lines if line["msg"] == "a dependency is available again"]
    assert len(began) == 1, began  # once for the outage, not once per request
    assert began[0]["level"] == "error" and began[0]["cause"]  # with its cause
    assert len(ended) == 1 and int(str(ended[0]["answered_503"])) >= 30
    assert not [line for line in lines if line["level"] == "error" and line not in began]


@pytest.fixture
async def refusing_trigger(stack: Stack) -> AsyncIterator[str]:
    """A database that fails the registration of one person, by name, with a message that names them
    (as PostgreSQL's own messages name the values they refuse)."""
    name = f"Zébulon-{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(stack.admin_dsn("relais_referral"))
    try:
        await conn.execute(
            """
            CREATE OR REPLACE FUNCTION relais_test_refuse_registration() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'registration of % refused', NEW.last_name USING ERRCODE = 'XX000'; END
            $$ LANGUAGE plpgsql
            """
        )
        await conn.execute(
            f"""
            CREATE TRIGGER relais_test_refuse_registration BEFORE INSERT ON jobseekers FOR EACH ROW
            WHEN (NEW.last_name = '{name}') EXECUTE FUNCTION relais_test_refuse_registration()
            """
        )
        yield name
    finally:
        await conn.execute("DROP TRIGGER IF EXISTS relais_test_refuse_registration ON jobseekers")
        await conn.execute("DROP FUNCTION IF EXISTS relais_test_refuse_registration()")
        await conn.close()


async def test_a_database_error_on_registration_puts_the_persons_identity_in_no_log_line(
    stack: Stack, issuer: DevIssuer, api: ServiceProcesses, refusing_trigger: str
) -> None:
    name = refusing_trigger
    person = {"first_name": "Anaïs", "last_name": name, "birth_date": "1991-07-30", "postcode": "44300"}
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        headers = await ready_with_an_organisation(client, api, issuer)
        response = await client.post("/v1/jobseekers", json=person, headers=headers)
    assert response.status_code == 500, response.text
    assert response.json()["type"] == "https://relais.example.org/problems/internal-error"
    assert name not in response.text
    await asyncio.sleep(0.3)  # the process writes its line
    text = (api.workdir / "referral-api.log").read_text()
    assert name not in text and "1991-07-30" not in text
    [logged] = [line for line in log_lines(api) if line["msg"] == "unexpected error answered 500"]
    assert logged["route"] == "/v1/jobseekers" and logged["error"] == "InternalError"


async def test_after_a_500_the_clients_kept_alive_connection_serves_the_next_request(
    stack: Stack, issuer: DevIssuer, api: ServiceProcesses, refusing_trigger: str
) -> None:
    person = {"first_name": "Anaïs", "last_name": refusing_trigger, "postcode": "44300"}
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:  # one client, one connection
        headers = await ready_with_an_organisation(client, api, issuer)
        ports = []
        for _ in range(5):
            failed = await client.post("/v1/jobseekers", json=person, headers=headers)
            assert failed.status_code == 500 and failed.headers.get("connection") != "close"
            ports.append(local_port(failed))
            served = await client.get("/v1/organisations", headers=headers)
            assert served.status_code == 200
            ports.append(local_port(served))
    assert len(set(ports)) == 1, ports  # every request over one connection, never closed by the server


def local_port(response: httpx.Response) -> int:
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])
