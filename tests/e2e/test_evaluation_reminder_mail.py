"""Across services, every process on the real Kafka, Temporal and PostgreSQL: a campaign's reminder falls
due → the evaluation worker records it and stages ``evaluation.evaluator_reminded.v1`` → the evaluation
relay publishes it → the referral consumer mails the evaluator at their address in the directory (the
test's SMTP server), in French, with the link to the campaign. The invitation goes the same way
(``evaluation.evaluator_invited.v1``, staged with the invitation by the API).

Only the waiting is shortened: the test starts a second ``CampaignWorkflow`` for the campaign whose
reminder falls due in a few seconds (the API's own one waits for 9:00, seven days before the deadline);
everything after the timer is the product's own path."""

from __future__ import annotations

import email
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import httpx
import pytest

from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, eventually
from relais_evaluation.adapters.workflows.campaign import CampaignInput, CampaignWorkflow
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.temporal import connect_temporal

pytestmark = pytest.mark.integration
MANDATORY = ("innovation", "empowerment", "suitability", "usefulness", "accessibility", "transferability")


@pytest.fixture
def services(
    stack: Stack, tmp_path: Path, mailbox: tuple[Any, int]
) -> Iterator[tuple[ServiceProcesses, ServiceProcesses]]:
    referral = ServiceProcesses("referral", stack, tmp_path, env={"RELAIS_SMTP_PORT": str(mailbox[1])})
    evaluation = ServiceProcesses("evaluation", stack, tmp_path)
    referral.start("api")
    referral.start("consumer")
    for process in ("api", "relay", "worker"):
        evaluation.start(process)
    try:
        yield referral, evaluation
    finally:
        for group in (referral, evaluation):
            group.stop_all()


async def test_a_campaign_reminder_reaches_the_evaluator_by_e_mail_from_the_directory(
    stack: Stack,
    issuer: DevIssuer,
    services: tuple[ServiceProcesses, ServiceProcesses],
    mailbox: tuple[Any, int],
) -> None:
    referral, evaluation = services
    coordination = ReferralSettings().coordination_org_id
    plie, sub = uuid.uuid4(), f"evaluatrice-{uuid.uuid4().hex[:8]}"
    address = f"{sub}@plie.example.org"

    def auth(org: uuid.UUID, kind: str, role: str, subject: str = "coordination") -> dict[str, str]:
        return {
            "Authorization": "Bearer " + issuer.token(org_id=org, org_kind=kind, roles=[role], sub=subject)
        }

    admin = auth(coordination, "pact_coordination", "admin")
    coordinator = auth(coordination, "pact_coordination", "coordinator")
    async with httpx.AsyncClient(timeout=10) as client:
        for group in services:
            await eventually(lambda group=group: group.ready(client), f"{group.manifest.name} API ready")
        made = await client.post(
            f"{referral.url}/v1/organisations",
            json={"id": str(plie), "name": f"PLIE évaluation {sub}", "kind": "plie", "departement": "44"},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        member = {"display_name": "Claire Martin", "email": address, "roles": ["evaluator"]}
        put = await client.put(
            f"{referral.url}/v1/organisations/{plie}/members/{sub}", json=member, headers=admin
        )
        assert put.status_code == 200, put.text

        final_due = date.today() + timedelta(days=60)
        criteria = [{"code": c, "label": c.title(), "weight": "1", "mandatory": True} for c in MANDATORY]
        opened = await client.post(
            f"{evaluation.url}/v1/campaigns",
            json={
                "title": "Ateliers permis et mobilité",
                "subject_kind": "action",
                "subject": "Ateliers permis et mobilité",
                "criteria": criteria,
                "final_due": final_due.isoformat(),
            },
            headers=coordinator,
        )
        assert opened.status_code == 201, opened.text
        campaign = opened.json()["id"]
        invited = await client.post(
            f"{evaluation.url}/v1/campaigns/{campaign}/evaluators",
            json={"org_id": str(plie), "sub": sub, "perspective": "external_expert"},
            headers=coordinator,
        )
        assert invited.status_code == 201, invited.text

    now = datetime.now(UTC)
    soon = CampaignInput.model_validate(
        {
            "campaign_id": campaign,
            "milestones": [
                {
                    "milestone": "final",
                    "remind_at": now + timedelta(seconds=2),
                    "due_at": now + timedelta(days=60),
                }
            ],
        }
    )
    temporal = await connect_temporal(stack.temporal_address)
    handle = await temporal.start_workflow(
        CampaignWorkflow.run, soon, id=f"campaign-{campaign}-reminder-soon", task_queue="evaluation"
    )
    box, _ = mailbox
    try:

        async def mailed() -> list[email.message.EmailMessage]:
            messages = [email.message_from_bytes(raw, policy=policy.default) for raw in box.messages]
            mine = [m for m in messages if m["To"] == address]  # type: ignore[misc]
            return mine if len(mine) >= 2 else []

        both = await eventually(mailed, "the invitation and the reminder in the mailbox", timeout=90)
    finally:
        await handle.terminate("test over")
    kinds = {m["X-Relais-Kind"]: m for m in both}
    assert sorted(kinds) == ["evaluator_invitation", "evaluator_reminder"] and len(both) == 2
    invitation, message = kinds["evaluator_invitation"], kinds["evaluator_reminder"]
    assert invitation["Subject"] == "[Relais] Invitation à évaluer : Ateliers permis et mobilité"
    assert "experte ou expert externe" in invitation.get_content()
    assert "Claire" not in invitation.get_content()
    assert "Ateliers permis et mobilité" in message["Subject"]
    body = message.get_content()
    assert "évaluation finale" in body
    assert f"/evaluation/campagnes/{campaign}?etape=finale" in body
    assert "Claire" not in body and "Martin" not in body  # the directory's name stays in the directory
