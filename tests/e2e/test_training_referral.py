"""Across services, every process running on the real Kafka, Temporal and PostgreSQL: a counsellor refers a
person to a training session → the provider's enrolment is confirmed → the referral is taken in charge;
the counsellor stays référent (the provider follows the person for the session); the session starts, the
person abandons → the counsellor gets a re-orientation task. A referral put on the waitlist is
acknowledged for the provider; a cancelled session sends every enrolled person back to their counsellor,
and a session that starts with people still on its waitlist (the training worker's hourly close) returns
their referrals to their senders.

Time passes by moving a session's first day to today in the training database (the processes read the
real date)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, eventually
from relais_referral.settings import ReferralSettings
from relais_shared.auth import DevIssuer
from relais_shared.db import make_engine
from relais_shared.temporal import connect_temporal

pytestmark = pytest.mark.integration
TASK_QUEUE = f"test-training-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def services(stack: Stack, tmp_path: Path) -> Iterator[tuple[ServiceProcesses, ServiceProcesses]]:
    referral = ServiceProcesses("referral", stack, tmp_path)
    # Its own task queue: the hourly close of this test's worker is triggered by the test alone.
    training = ServiceProcesses("training", stack, tmp_path, env={"RELAIS_TRAINING_TASK_QUEUE": TASK_QUEUE})
    for group in (referral, training):
        group.start_all()
    try:
        yield referral, training
    finally:
        for group in (referral, training):
            group.stop_all()


class Scenario:
    def __init__(
        self, client: httpx.AsyncClient, issuer: DevIssuer, referral: str, training: str, stack: Stack
    ) -> None:
        self.client, self.issuer, self.r, self.t, self.stack = client, issuer, referral, training, stack
        self.mission_locale, self.provider = uuid.uuid4(), uuid.uuid4()

    async def starts_today(self, session: str) -> None:
        """The session's first day comes."""
        engine = make_engine(self.stack.database_url("training"), pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE sessions SET starts_on = current_date WHERE id = :id"), {"id": session}
                )
        finally:
            await engine.dispose()

    async def hourly_close(self) -> None:
        """What the training worker's schedule does each hour, run now."""
        client = await connect_temporal(self.stack.temporal_address)
        await client.get_schedule_handle(f"{TASK_QUEUE}-close-started-sessions").trigger()

    def counsellor(self) -> dict[str, str]:
        token = self.issuer.token(org_id=self.mission_locale, org_kind="mission_locale", roles=["counsellor"])
        return {"Authorization": f"Bearer {token}"}

    def provider_auth(self, role: str = "training_provider") -> dict[str, str]:
        token = self.issuer.token(org_id=self.provider, org_kind="training_provider", roles=[role])
        return {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, url: str, headers: dict[str, str], body: Any = None) -> Any:
        response = await self.client.request(method, url, headers=headers, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def session(self, capacity: int) -> str:
        offer = await self.call(
            "POST",
            f"{self.t}/v1/offers",
            self.provider_auth(),
            {"title": "Français à visée professionnelle", "kind": "fle", "publics": ["jeunes"]},
        )
        body = {
            "offer_id": offer["id"],
            "starts_on": "2027-02-01",
            "ends_on": "2027-04-30",
            "commune": "Saint-Herblain",
            "code_insee": "44162",
            "capacity": capacity,
        }
        return str((await self.call("POST", f"{self.t}/v1/sessions", self.provider_auth(), body))["id"])

    async def person(self, last_name: str) -> str:
        body = {"first_name": "Awa", "last_name": last_name, "birth_date": "2004-03-02", "postcode": "44800"}
        return str((await self.call("POST", f"{self.r}/v1/jobseekers", self.counsellor(), body))["id"])

    async def refer(self, person: str, session: str) -> str:
        body = {
            "jobseeker_id": person,
            "receiver_org_id": str(self.provider),
            "motive": "Formation linguistique avant une entrée en emploi",
            "training_session_id": session,
        }
        return str((await self.call("POST", f"{self.r}/v1/referrals", self.counsellor(), body))["id"])

    async def referral_status(self, referral: str) -> str:
        return str((await self.call("GET", f"{self.r}/v1/referrals/{referral}", self.counsellor()))["status"])

    async def until_status(self, referral: str, status: str, what: str, timeout: float = 30) -> None:
        async def reached() -> bool:
            return await self.referral_status(referral) == status

        await eventually(reached, what, timeout=timeout)

    async def enrolments(self, session: str) -> list[dict[str, Any]]:
        found = await self.call("GET", f"{self.t}/v1/sessions/{session}/enrolments", self.provider_auth())
        return list(found)

    async def journey(self, person: str) -> dict[str, Any]:
        return dict(await self.call("GET", f"{self.r}/v1/jobseekers/{person}/journey", self.counsellor()))

    async def reorient_task(self, person: str) -> dict[str, Any] | None:
        tasks = await self.call(
            "GET", f"{self.r}/v1/organisations/{self.mission_locale}/tasks", self.counsellor()
        )
        mine = [t for t in tasks["items"] if t["jobseeker_id"] == person and t["kind"] == "reorient"]
        return mine[0] if mine else None


async def test_a_referral_to_a_session_is_enrolled_and_accepted_and_an_abandonment_returns_the_person(
    issuer: DevIssuer, stack: Stack, services: tuple[ServiceProcesses, ServiceProcesses]
) -> None:
    referral_api, training_api = services
    async with httpx.AsyncClient(timeout=10) as client:
        await eventually(lambda: referral_api.ready(client), "referral API ready")
        await eventually(lambda: training_api.ready(client), "training API ready")
        s = Scenario(client, issuer, referral_api.url, training_api.url, stack)
        admin = {
            "Authorization": "Bearer "
            + issuer.token(
                org_id=ReferralSettings().coordination_org_id, org_kind="pact_coordination", roles=["admin"]
            )
        }
        for org, kind, name in (
            (s.mission_locale, "mission_locale", "Mission locale Nantes Métropole"),
            (s.provider, "training_provider", "Organisme de formation Erdre"),
        ):
            await s.call(
                "POST",
                f"{s.r}/v1/organisations",
                admin,
                {"id": str(org), "name": name, "kind": kind, "departement": "44"},
            )
        session = await s.session(capacity=5)
        person = await s.person("Diallo")
        referral = await s.refer(person, session)

        await s.until_status(
            referral, "accepted", "the referral taken in charge by the enrolment", timeout=60
        )
        [enrolment] = await s.enrolments(session)
        assert (enrolment["status"], enrolment["referral_id"], enrolment["jobseeker_id"]) == (
            "confirmed",
            referral,
            person,
        )
        # A seat is one step of the journey: the counsellor stays référent, the provider follows it too.
        journey = await s.journey(person)
        assert journey["referent_org_id"] == str(s.mission_locale)
        assert str(s.provider) in journey["follow_up_org_ids"]

        await s.starts_today(session)  # an abandonment is of a training that began
        await s.call(
            "POST",
            f"{s.t}/v1/enrolments/{enrolment['id']}/abandon",
            s.provider_auth(),
            {"reason_code": "family"},
        )
        task = await eventually(lambda: s.reorient_task(person), "a re-orientation task for the counsellor")
        assert task["note"] == "Formation abandonnée"
        journey = await s.journey(person)
        assert journey["referent_org_id"] == str(s.mission_locale)  # it never left the counsellor
        kinds = [line["kind"] for line in journey["history"]]
        assert kinds[-1] == "life_event_training_abandoned", kinds
        assert "referent_back_from_training" not in kinds

        # A cancelled session: the confirmed person comes back to their counsellor, the waitlisted one's
        # referral is returned to its sender; each has a re-orientation task.
        small = await s.session(capacity=1)
        seated, waiting = await s.person("Martin"), await s.person("Nguyen")
        seated_referral = await s.refer(seated, small)

        await s.until_status(seated_referral, "accepted", "the first referral taken in charge")
        waiting_referral = await s.refer(waiting, small)

        async def waitlisted() -> bool:
            return any(e["status"] == "waitlisted" for e in await s.enrolments(small))

        await eventually(waitlisted, "the second person on the waitlist")

        await s.until_status(
            waiting_referral, "acknowledged", "the waitlisted referral acknowledged for the provider"
        )  # the provider's answer: no reminder, no manager escalation
        cancelled = await s.call("POST", f"{s.t}/v1/sessions/{small}/cancel", s.provider_auth())
        assert cancelled == {"enrolments_cancelled": 2}
        for who in (seated, waiting):
            found = await eventually(lambda w=who: s.reorient_task(w), f"a re-orientation task for {who}")
            assert found["kind"] == "reorient"
        assert (await s.journey(seated))["referent_org_id"] == str(s.mission_locale)
        assert await s.referral_status(waiting_referral) == "refused"
        returned = await s.call("GET", f"{s.r}/v1/referrals/{waiting_referral}", s.counsellor())
        assert returned["refusal_comment"] == "La session de formation a été annulée par l'organisme"

        # A session that starts with a waitlist: the hourly close returns the waiting referral to its sender.
        full = await s.session(capacity=1)
        first, late = await s.person("Bernard"), await s.person("Keita")
        first_referral = await s.refer(first, full)

        await s.until_status(first_referral, "accepted", "the seat taken")
        late_referral = await s.refer(late, full)

        await s.until_status(
            late_referral, "acknowledged", "the second referral on the waitlist, acknowledged"
        )
        await s.starts_today(full)
        await s.hourly_close()

        await s.until_status(
            late_referral, "refused", "the waitlisted referral returned when the session started", timeout=60
        )
        back = await s.call("GET", f"{s.r}/v1/referrals/{late_referral}", s.counsellor())
        assert back["refusal_comment"] == (
            "La session de formation a commencé sans qu'une place se libère : la liste d'attente est close"
        )
        assert await eventually(lambda: s.reorient_task(late), "a re-orientation task for the late one")
        assert await s.referral_status(first_referral) == "accepted"  # the trainee keeps their seat
