"""Issue scenario, end to end through the real Kafka, Temporal and PostgreSQL, every process running.

Mission locale refers a young person to the PLIE → the PLIE refuses (better suited elsewhere) → the case
is back with the Mission locale as a task → it re-orients to Cap emploi → accepted → Cap emploi becomes
référent, and the journey shows the whole history in order. Then partners' events (a hire from the
clauses service, an abandoned training from the training service) arrive through the broker.
"""

import email
import uuid
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from relais_clauses.adapters.events.published import ParticipantHiredV1
from relais_dev.stack import Stack
from relais_dev.testing import eventually as _eventually
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.referral import ReferralWorkflow
from relais_shared.auth import DevIssuer
from relais_shared.envelope import wrap
from relais_shared.outbox import idempotent_producer
from relais_shared.temporal import connect_temporal
from relais_training.events import EnrolmentAbandonedV1

pytestmark = pytest.mark.integration


async def eventually(check: Any, what: str, timeout: float = 60) -> Any:
    return await _eventually(check, what, timeout, retry_on=(httpx.HTTPError, RPCError))


class Agencies:
    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer) -> None:
        self.client = client
        self.issuer = issuer
        self.ids = {kind: uuid.uuid4() for kind in ("mission_locale", "plie", "cap_emploi")}

    def auth(self, kind: str) -> dict[str, str]:
        token = self.issuer.token(org_id=self.ids[kind], org_kind=kind, roles=["counsellor"])
        return {"Authorization": f"Bearer {token}"}

    async def post(self, kind: str, path: str, body: Any = None) -> Any:
        response = await self.client.post(path, headers=self.auth(kind), json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def get(self, kind: str, path: str) -> Any:
        response = await self.client.get(path, headers=self.auth(kind))
        assert response.status_code == 200, response.text
        return response.json()


async def publish(stack: Stack, topic: str, *events: Any) -> None:
    producer = idempotent_producer(stack.kafka_bootstrap, "partner-service")
    await producer.start()
    try:
        for event in events:
            envelope = wrap(event)
            await producer.send_and_wait(
                topic, envelope.model_dump_json().encode(), key=envelope.subject.encode()
            )
    finally:
        await producer.stop()


async def test_a_refused_young_person_is_reoriented_and_taken_in_charge_and_the_journey_tells_it_in_order(
    stack: Stack, issuer: DevIssuer, referral_processes: tuple[str, Path], mailbox: tuple[Any, int]
) -> None:
    base_url, _ = referral_processes
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        pact = Agencies(client, issuer)
        await eventually(lambda: _ready(client), "referral API ready")
        admin = {
            "Authorization": "Bearer "
            + issuer.token(
                org_id=ReferralSettings().coordination_org_id, org_kind="pact_coordination", roles=["admin"]
            )
        }
        for kind, org in pact.ids.items():
            created = await client.post(
                "/v1/organisations",
                headers=admin,
                json={
                    "id": str(org),
                    "name": f"Scénario {kind}",
                    "kind": kind,
                    "departement": "44",
                    "contact_email": f"accueil-{kind}@example.org",
                },
            )
            assert created.status_code == 201
        person = (
            await pact.post(
                "mission_locale",
                "/v1/jobseekers",
                {
                    "first_name": "Yanis",
                    "last_name": "Benali",
                    "birth_date": "2006-09-01",
                    "postcode": "44300",
                    "qpv_resident": True,
                },
            )
        )["id"]

        to_plie = (
            await pact.post(
                "mission_locale",
                "/v1/referrals",
                {"jobseeker_id": person, "receiver_org_id": str(pact.ids["plie"]), "motive": "Parcours PLIE"},
            )
        )["id"]
        await pact.post(
            "plie",
            f"/v1/referrals/{to_plie}/refuse",
            {
                "reason": "better_suited_elsewhere",
                "comment": "Relève de Cap emploi",
                "shared_with_jobseeker": True,
            },
        )

        tasks = await pact.get("mission_locale", f"/v1/organisations/{pact.ids['mission_locale']}/tasks")
        [task] = [t for t in tasks["items"] if t["jobseeker_id"] == person]
        assert task["kind"] == "reorient"

        to_cap = (
            await pact.post(
                "mission_locale",
                "/v1/referrals",
                {"jobseeker_id": person, "receiver_org_id": str(pact.ids["cap_emploi"]), "motive": "RQTH"},
            )
        )["id"]
        await pact.post("cap_emploi", f"/v1/referrals/{to_cap}/acknowledge")
        await pact.post("cap_emploi", f"/v1/referrals/{to_cap}/accept")

        journey = await pact.get("cap_emploi", f"/v1/jobseekers/{person}/journey")
        assert journey["referent_org_id"] == str(pact.ids["cap_emploi"])
        assert journey["follow_up_org_ids"] == [str(pact.ids["mission_locale"])]
        assert journey["open_tasks"] == []  # the re-orientation task closed itself
        assert [(e["kind"], e["referral_id"]) for e in journey["history"]] == [
            ("referral_submitted", to_plie),
            ("referral_refused", to_plie),
            ("referral_submitted", to_cap),
            ("referral_acknowledged", to_cap),
            ("referral_accepted", to_cap),
        ]

        # Each referral's workflow followed the database: refused, then accepted.
        temporal = await connect_temporal(stack.temporal_address)
        for referral, status in ((to_plie, "refused"), (to_cap, "accepted")):
            handle = temporal.get_workflow_handle_for(ReferralWorkflow.run, f"referral-{referral}")
            result = await eventually(lambda h=handle: h.result(), f"workflow of {referral} ended")
            assert result.status == status
        # The Mission locale was told by e-mail that the PLIE sent the person back (no name in it).
        box, _ = mailbox
        returned = await eventually(
            lambda: _mail_to(box, "accueil-mission_locale@example.org", "returned_to_sender"), "return e-mail"
        )
        assert b"Benali" not in returned
        journey_wf = temporal.get_workflow_handle(f"journey-{person}")
        description = await eventually(lambda: journey_wf.describe(), "journey workflow started")
        assert description.status == WorkflowExecutionStatus.RUNNING

        # Partners' events reach the journey through the broker.
        other = (
            await pact.post(
                "cap_emploi",
                "/v1/referrals",
                {"jobseeker_id": person, "receiver_org_id": str(pact.ids["plie"]), "motive": "Emploi"},
            )
        )["id"]
        await publish(
            stack,
            "relais.training.events",
            EnrolmentAbandonedV1(
                enrolment_id=uuid.uuid4(),
                jobseeker_id=uuid.UUID(person),
                session_id=uuid.uuid4(),
                abandoned_at=datetime.now(UTC),
                reason_code="mobility",
            ),
        )
        await publish(
            stack,
            "relais.clauses.events",
            ParticipantHiredV1(
                work_contract_id=uuid.uuid4(),
                jobseeker_id=uuid.UUID(person),
                contract_type="CDD",
                weekly_hours=28,
                hired_at=datetime.now(UTC),
                employer_siret="44210000000011",
            ),
        )

        async def hired_in_journey() -> dict[str, Any] | None:
            current = await pact.get("cap_emploi", f"/v1/jobseekers/{person}/journey")
            kinds = [e["kind"] for e in current["history"]]
            return (
                current if "life_event_hired" in kinds and "life_event_training_abandoned" in kinds else None
            )

        journey = await eventually(hired_in_journey, "life events applied to the journey")
        assert ("life_event_hired", "CDD 28h") in [(e["kind"], e["detail"]) for e in journey["history"]]
        assert (await pact.get("plie", f"/v1/referrals/{other}"))["status"] == "obsolete"
        assert [t["kind"] for t in journey["open_tasks"]] == ["reorient"]  # after the abandoned training


async def _mail_to(box: Any, recipient: str, kind: str) -> bytes | None:
    for raw in box.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        if message["To"] == recipient and message["X-Relais-Kind"] == kind:
            return bytes(raw)
    return None


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200
