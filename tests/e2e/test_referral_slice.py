"""The first slice, end to end, with every referral process running against the real stack.

HTTP POST → referral row + outbox row in one transaction → relay → Kafka → inbox projection and
ReferralWorkflow start (Kafka→Temporal bridge) → GET inbox. One trace covers HTTP → Kafka → workflow.
"""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus

from relais_dev.stack import Stack
from relais_dev.testing import eventually as _eventually
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.auth import DevIssuer
from relais_shared.temporal import connect_temporal

pytestmark = pytest.mark.integration


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
                headers=auth(ReferralSettings().coordination_org_id, "admin"),
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

        assert (await handle.query(ReferralWorkflow.status)).status == "submitted"

        acknowledged = await client.post(f"/v1/referrals/{referral_id}/acknowledge", headers=auth(org_b))
        assert acknowledged.status_code == 200, acknowledged.text
        accepted = await client.post(f"/v1/referrals/{referral_id}/accept", headers=auth(org_b))
        assert accepted.status_code == 200, accepted.text
        result = await asyncio.wait_for(handle.result(), timeout=60)
        assert result.status == "accepted"

        async def accepted_in_inbox() -> bool:
            item = await in_inbox()
            return item is not None and item["status"] == "accepted"

        await eventually(accepted_in_inbox, "inbox shows the acceptance")

    spans = await eventually(
        lambda: _trace_of_post(spans_file), "spans of api, consumer and worker in one trace"
    )
    services = {span["service"] for span in spans}
    assert {"referral-api", "referral-consumer", "referral-worker"} <= services
    assert any(span["name"].startswith("RunWorkflow:ReferralWorkflow") for span in spans)


async def eventually(check: Any, what: str, timeout: float = 60) -> Any:
    from temporalio.service import RPCError

    return await _eventually(check, what, timeout, retry_on=(httpx.HTTPError, RPCError))


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
    # Spans arrive as each process exports them: wait for the workflow's own span, not just any of the
    # worker's (a StartWorkflow span may be exported before the RunWorkflow one).
    ran = any(s["name"].startswith("RunWorkflow:ReferralWorkflow") for s in trace)
    if {"referral-consumer", "referral-worker"} <= services and ran:
        return trace
    return None
