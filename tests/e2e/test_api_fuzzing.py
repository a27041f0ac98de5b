"""schemathesis against the live referral API (its own uvicorn process, the stack's PostgreSQL) with a
valid token: generated requests, valid and invalid, over every operation of the OpenAPI document, for
at most a minute. No answer may be a server error, and every status must be one the document states,
with the media type, body schema and headers it states.

The API runs on a scratch database (migrated here, dropped after), so what the fuzzer writes (deadline
policies, organisations) touches no other test."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, eventually
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.manifest import load_manifests
from relais_shared.migrations import upgrade_head

pytestmark = pytest.mark.integration

MAX_TIME_S = 60  # schemathesis's whole budget (the test takes about 20 s more: start, migrations)
CHECKS = [
    "not_a_server_error",  # ST101: no 5xx
    "status_code_conformance",  # ST103: no status the document does not state
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "unsupported_method",  # a 405 with its Allow header
    "ignored_auth",  # without the token: 401
]


@pytest.fixture
async def api(stack: Stack, scratch_database: str, tmp_path: Path) -> AsyncIterator[ServiceProcesses]:
    await asyncio.to_thread(upgrade_head, load_manifests()["referral"].service_dir, scratch_database)
    processes = ServiceProcesses(
        "referral", stack, tmp_path, env={"RELAIS_REFERRAL_DATABASE_URL": scratch_database}
    )
    processes.start("api")
    try:
        yield processes
    finally:
        processes.stop_all()


async def a_pact(api: ServiceProcesses, issuer: DevIssuer) -> str:
    """The pact coordination and a partner in the directory; the coordination's token for the fuzzer,
    with the roles that reach every operation (a counsellor's and an admin's)."""
    coordination = ReferralSettings().coordination_org_id
    token = issuer.token(org_id=coordination, org_kind="pact_coordination", roles=["counsellor", "admin"])
    async with httpx.AsyncClient(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as client:
        await eventually(lambda: api.ready(client), "referral API ready", 60)
        for org, kind, name in (
            (coordination, "pact_coordination", "Coordination du pacte"),
            (uuid.uuid4(), "plie", "PLIE de la métropole"),
        ):
            created = await client.post(
                "/v1/organisations", json={"id": str(org), "name": name, "kind": kind, "departement": "44"}
            )
            assert created.status_code == 201, created.text
    return token


async def test_schemathesis_finds_no_server_error_and_no_undocumented_status(
    issuer: DevIssuer, api: ServiceProcesses, tmp_path: Path
) -> None:
    token = await a_pact(api, issuer)
    report = tmp_path / "schemathesis.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{api.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-time",
        str(MAX_TIME_S),
        "--max-examples",
        "30",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    run = await asyncio.to_thread(
        subprocess.run,
        command,
        cwd=tmp_path,  # its cache of crashes stays with the test, out of the checkout
        capture_output=True,
        text=True,
        timeout=MAX_TIME_S + 60,
        check=False,
    )
    result = json.loads(report.read_text())
    summary = run.stdout[-6000:]  # the failures, how to replay them, and the seed
    assert result["complete"], summary
    assert result["operations"]["tested"] == result["operations"]["total"] >= 25, summary
    assert result["test_cases"]["generated"] >= 500, summary  # it did fuzz
    failures = {failure["code"]: failure for failure in result["failures"]}
    assert "ST101" not in failures, summary  # server errors
    assert "ST103" not in failures, summary  # undocumented status codes
    assert not result["failures"] and not result["errors"], summary
    assert run.returncode == 0, summary
    log = (api.workdir / "referral-api.log").read_text()
    assert "unexpected error answered 500" not in log
