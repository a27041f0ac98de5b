"""The first slice, end to end, with every referral process running against the real stack.

HTTP POST → referral row + outbox row in one transaction → relay → Kafka → inbox projection and
ReferralWorkflow start (Kafka→Temporal bridge) → GET inbox. One trace covers HTTP → Kafka → workflow.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.auth import DevIssuer
from relais_shared.devstack import Stack
from relais_shared.temporal import connect_temporal

pytestmark = pytest.mark.integration

PROCESSES = ("api", "consumer", "relay", "worker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def referral_processes(stack: Stack, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    spans = tmp_path / "spans.jsonl"
    env = {
        **os.environ,
        **stack.env(),
        "RELAIS_TRACE_FILE": str(spans),
        "RELAIS_REFERRAL_API_PORT": str(port),
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in PROCESSES}
    for name in PROCESSES:
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"relais_referral.entrypoints.{name}"],
            env=env,
            stdout=logs[name],
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", spans
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for name, proc in procs.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            logs[name].close()


async def eventually(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = await check()
        except (httpx.HTTPError, OSError, RPCError):  # not there yet
            result = None
        if result:
            return result
        await asyncio.sleep(0.3)
    pytest.fail(f"{what}: not reached within {timeout}s")


async def test_a_referral_travels_from_http_through_kafka_into_the_inbox_and_its_workflow_in_one_trace(
    stack: Stack, issuer: DevIssuer, referral_processes: tuple[str, Path]
) -> None:
    base_url, spans_file = referral_processes
    org_a, org_b = uuid.uuid4(), uuid.uuid4()

    def auth(org: uuid.UUID, role: str = "counsellor") -> dict[str, str]:
        return {
            "Authorization": "Bearer " + issuer.token(org_id=org, org_kind="mission_locale", roles=[role])
        }

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        await eventually(lambda: _ready(client), "referral API ready")
        for org, kind in ((org_a, "mission_locale"), (org_b, "plie")):
            created = await client.post(
                "/v1/organisations",
                headers=auth(uuid.uuid4(), "admin"),
                json={"id": str(org), "name": f"E2E {kind}", "kind": kind, "departement": "44"},
            )
            assert created.status_code == 201, created.text
        person = await client.post(
            "/v1/jobseekers",
            headers=auth(org_a),
            json={
                "first_name": "Lucas",
                "last_name": "Diallo",
                "birth_date": "2004-06-02",
                "postcode": "44200",
            },
        )
        submitted = await client.post(
            "/v1/referrals",
            headers=auth(org_a),
            json={
                "jobseeker_id": person.json()["id"],
                "receiver_org_id": str(org_b),
                "motive": "Parcours PLIE",
            },
        )
        assert submitted.status_code == 201, submitted.text
        referral_id = submitted.json()["id"]

        async def in_inbox() -> dict[str, Any] | None:
            page = (await client.get(f"/v1/organisations/{org_b}/inbox", headers=auth(org_b))).json()
            return next((item for item in page["items"] if item["referral_id"] == referral_id), None)

        entry = await eventually(in_inbox, "referral in the receiver's inbox")
        assert entry["status"] == "submitted"
        assert entry["sender_org_id"] == str(org_a)
        assert entry["acknowledgement_due"] == submitted.json()["acknowledgement_due"]

        temporal = await connect_temporal(stack.temporal_address)
        handle = temporal.get_workflow_handle_for(ReferralWorkflow.run, f"referral-{referral_id}")
        description = await eventually(lambda: handle.describe(), "workflow started")
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert (await handle.query(ReferralWorkflow.status)).state == "awaiting_acknowledgement"

        acknowledged = await client.post(f"/v1/referrals/{referral_id}/acknowledge", headers=auth(org_b))
        assert acknowledged.status_code == 200, acknowledged.text
        result = await asyncio.wait_for(handle.result(), timeout=60)
        assert result.state == "acknowledged"
        assert not result.acknowledgement_overdue

        async def acknowledged_in_inbox() -> bool:
            item = await in_inbox()
            return item is not None and item["status"] == "acknowledged"

        await eventually(acknowledged_in_inbox, "inbox shows the acknowledgement")

    spans = await eventually(
        lambda: _trace_of_post(spans_file), "spans of api, consumer and worker in one trace"
    )
    services = {span["service"] for span in spans}
    assert {"referral-api", "referral-consumer", "referral-worker"} <= services
    assert any(span["name"].startswith("RunWorkflow:ReferralWorkflow") for span in spans)


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


async def _trace_of_post(spans_file: Path) -> list[dict[str, Any]] | None:
    if not spans_file.exists():
        return None
    spans = [json.loads(line) for line in spans_file.read_text().splitlines() if line.strip()]
    posts = [s for s in spans if s["service"] == "referral-api" and s["name"] == "POST /v1/referrals"]
    if not posts:
        return None
    trace = [s for s in spans if s["trace_id"] == posts[0]["trace_id"]]
    services = {s["service"] for s in trace}
    if {"referral-consumer", "referral-worker"} <= services:
        return trace
    return None
