"""Reminders and escalations really go out: the workflow's activities against the real PostgreSQL and a
real local SMTP server, read back from what arrived."""

import email
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from email import policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from relais_dev.testing import free_port
from relais_referral.bootstrap import bootstrap
from relais_referral.db.models import TaskRow, infra
from relais_referral.notifications import SmtpNotifier
from relais_referral.notifications.french import format_date_fr
from relais_referral.settings import ReferralSettings
from relais_referral.workflows.activities import ReferralActivities, StepInput

pytestmark = pytest.mark.integration
Pact = Any  # the `pact` fixture of conftest.py


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def activities(pact: Pact, port: int) -> ReferralActivities:
    app = pact.client._transport.app
    notifier = SmtpNotifier("127.0.0.1", port, "relais@pacte-emploi.example")
    return ReferralActivities(bootstrap(ReferralSettings(), sessions=app.state.sessions, notifier=notifier))


async def test_reminder_manager_and_coordination_escalations_are_sent_recorded_and_tasked_once(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    person = await pact.person(last_name="Traoré")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    acts = activities(pact, port)
    env = ActivityEnvironment()
    for level in ("reminder", "manager", "coordination"):
        step = StepInput(referral_id=referral, level=level, step=f"referral-{referral}/{level}")
        result = await env.run(acts.escalate, step)
        assert result.acted and result.status == "submitted"
    # A retry (the SMTP server failed after the commit, say) sends the e-mail again, same Message-ID,
    # but records nothing twice.
    retried = await env.run(
        acts.escalate, StepInput(referral_id=referral, level="manager", step=f"referral-{referral}/manager")
    )
    assert retried.acted

    subjects = [m["Subject"] for m in inbox.messages]
    assert len(subjects) == 4 and all(s.startswith("[Relais]") for s in subjects)
    reminder, manager, coordination, manager_again = inbox.messages
    assert manager_again["Message-ID"] == manager["Message-ID"]
    assert reminder["To"] == f"accueil-{pact.orgs['plie'].hex[:6]}@example.org"
    assert coordination["To"] == pact.coordination_email
    assert reminder["X-Relais-Kind"] == "acknowledgement_reminder"
    assert manager["X-Relais-Kind"] == "escalation_manager"
    for message in inbox.messages:
        body = message.get_content()
        assert "Traoré" not in body and "Inès" not in body  # no personal data in e-mails
        assert referral[:8].upper() in body

    audit = infra.outbox.c
    escalations = await pact.count(
        infra.outbox, audit.key == referral, audit.event_type == "referral.escalated.v1"
    )
    assert escalations == 3
    async with pact.client._transport.app.state.sessions() as session:
        tasks = (
            await session.execute(select(TaskRow).where(TaskRow.referral_id == uuid.UUID(referral)))
        ).scalars()
        owners = sorted((t.kind, t.org_id == pact.coordination) for t in tasks)
    assert owners == [("escalation", False), ("escalation", True)]  # the receiver's manager, then the pact
    # The coordination, which reads no referral, is told by its task whom to chase: parties and date.
    url, found, offset = f"/v1/organisations/{pact.coordination}/tasks", [], 0
    while True:  # other tests of the stack give the coordination tasks too
        listed = await pact.get(
            url, pact.coordination, "coordinator", kind="escalation", limit=200, offset=offset
        )
        found += [t for t in listed.json()["items"] if t["referral_id"] == referral]
        offset += 200
        if offset >= listed.json()["total"]:
            break
    [task] = found
    assert (task["referral_sender_org_id"], task["referral_receiver_org_id"]) == (
        str(pact.orgs["mission_locale"]),
        str(pact.orgs["plie"]),
    )
    assert task["referral_submitted_at"] is not None
    assert task["jobseeker_display_name"] is None and "Traoré" not in listed.text


async def test_no_decision_after_a_seen_appointment_alerts_the_coordination_once_without_saying_it_expires(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    referral = (await pact.refer(await pact.person(), "mission_locale", "plie")).json()["id"]
    url = f"/v1/referrals/{referral}"
    # Fixed ahead (the API refuses a past appointment), then held on the Monday of last week.
    ahead = date.today() + timedelta(days=35 - date.today().weekday())
    appointment_at = f"{ahead.isoformat()}T10:00:00+01:00"
    assert (
        await pact.post(f"{url}/appointment", "plie", {"appointment_at": appointment_at})
    ).status_code == 200
    monday = date.today() - timedelta(days=date.today().weekday() + 7)
    await pact.meeting_time_comes(referral, at=datetime.combine(monday, time(10), ZoneInfo("Europe/Paris")))
    assert (await pact.post(f"{url}/appointment-outcome", "plie", {"outcome": "seen"})).status_code == 200
    step = StepInput(referral_id=referral, level="decision", step=f"referral-{referral}/decision")
    acts = activities(pact, port)
    for _ in range(2):  # retried after an SMTP failure: the same e-mail again, recorded once
        result = await ActivityEnvironment().run(acts.escalate, step)
        assert result.acted and result.status == "appointment_scheduled"

    outbox = infra.outbox.c
    escalated = await pact.count(
        infra.outbox, outbox.key == referral, outbox.event_type == "referral.escalated.v1"
    )
    assert escalated == 1
    async with pact.client._transport.app.state.sessions() as session:
        tasks = (
            await session.execute(select(TaskRow).where(TaskRow.referral_id == uuid.UUID(referral)))
        ).scalars()
        assert [(t.kind, t.org_id) for t in tasks] == [("escalation", pact.coordination)]
    first, again = inbox.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["To"] == pact.coordination_email
    assert first["X-Relais-Kind"] == "decision_overdue"
    body = first.get_content()
    assert format_date_fr(monday) in body and "aucune décision" in body
    assert "expirera" not in body  # seen at an appointment: the "no answer" clock has stopped


async def test_no_escalation_once_the_referral_was_answered(pact: Pact, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    await pact.post(f"/v1/referrals/{referral}/accept", "plie")
    result = await ActivityEnvironment().run(
        activities(pact, port).escalate, StepInput(referral_id=referral, level="reminder", step="late")
    )
    assert result.status == "accepted" and not result.acted
    assert inbox.messages == []


async def test_expiry_returns_the_referral_to_its_sender_and_tells_the_sender(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    person = await pact.person()
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    result = await ActivityEnvironment().run(
        activities(pact, port).expire, StepInput(referral_id=referral, level="expiry", step="x")
    )
    assert result.status == "expired"
    [message] = inbox.messages
    assert message["To"] == f"accueil-{pact.orgs['mission_locale'].hex[:6]}@example.org"
    tasks = (
        await pact.get(f"/v1/organisations/{pact.orgs['mission_locale']}/tasks", "mission_locale")
    ).json()
    assert [t["kind"] for t in tasks["items"] if t["referral_id"] == referral] == ["reorient"]


async def test_a_person_still_unaccompanied_when_the_timer_rings_is_reported_once_to_the_coordination(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    from relais_referral.workflows.activities import JourneyStepInput

    inbox, port = smtp
    person = await pact.person()
    await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    step = JourneyStepInput(
        jobseeker_id=person, kind="unaccompanied", step=f"journey-{person}/unaccompanied@x"
    )
    acts = activities(pact, port)
    assert await ActivityEnvironment().run(acts.journey_step, step) is True
    assert await ActivityEnvironment().run(acts.journey_step, step) is False  # retried: reported once
    outbox = infra.outbox.c
    assert (
        await pact.count(
            infra.outbox, outbox.key == person, outbox.event_type == "jobseeker.unaccompanied.v1"
        )
        == 1
    )
    assert [m["To"] for m in inbox.messages] == [pact.coordination_email]
    assert inbox.messages[0]["X-Relais-Kind"] == "unaccompanied"


async def test_no_unaccompanied_report_once_someone_took_the_person_in_charge(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    from relais_referral.workflows.activities import JourneyStepInput

    inbox, port = smtp
    person = await pact.person()
    await pact.post(f"/v1/jobseekers/{person}/release", "mission_locale")
    await pact.post(
        f"/v1/jobseekers/{person}/assign-referent",
        pact.coordination,
        {"org_id": str(pact.orgs["plie"])},
        "coordinator",
    )
    step = JourneyStepInput(jobseeker_id=person, kind="unaccompanied", step=f"journey-{person}/late")
    assert await ActivityEnvironment().run(activities(pact, port).journey_step, step) is False
    assert inbox.messages == []


async def test_the_referent_is_asked_for_the_situation_when_a_follow_up_falls_due_unless_already_given(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    from datetime import date

    from sqlalchemy import update

    from relais_referral.workflows.activities import JourneyStepInput

    inbox, port = smtp
    person = await pact.person(last_name="Garnier")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    await pact.post(f"/v1/referrals/{referral}/accept", "plie")
    exited = (
        await pact.post(f"/v1/jobseekers/{person}/exit", "plie", {"outcome": "durable_employment"})
    ).json()
    follow_ups = sorted((t["due"], t["id"]) for t in exited["open_tasks"] if t["kind"] == "outcome_follow_up")
    step = JourneyStepInput(jobseeker_id=person, kind="follow_up", step=f"journey-{person}/follow_up@3")
    acts = activities(pact, port)
    assert await ActivityEnvironment().run(acts.journey_step, step) is False  # not due yet
    # Three months later (the clock is the workflow's; here the task's due date is brought to today).
    async with pact.client._transport.app.state.sessions() as session, session.begin():
        await session.execute(
            update(TaskRow).where(TaskRow.id == uuid.UUID(follow_ups[0][1])).values(due=date.today())
        )
    assert await ActivityEnvironment().run(acts.journey_step, step) is True
    [message] = inbox.messages
    assert message["To"] == f"accueil-{pact.orgs['plie'].hex[:6]}@example.org"
    assert "Garnier" not in message.get_content()
    # Once the référent has given the situation (task done), nobody is asked again.
    assert (await pact.post(f"/v1/tasks/{follow_ups[0][1]}/complete", "plie")).status_code == 200
    assert await ActivityEnvironment().run(acts.journey_step, step) is False
    assert len(inbox.messages) == 1


async def test_the_sender_of_a_refused_referral_is_told_by_when_to_reorient(
    pact: Pact, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    person = await pact.person(last_name="Mercier")
    referral = (await pact.refer(person, "mission_locale", "plie")).json()["id"]
    await pact.post(
        f"/v1/referrals/{referral}/refuse", "plie", {"reason": "no_capacity", "comment": "Complet"}
    )
    step = StepInput(referral_id=referral, level="returned", step=f"referral-{referral}/returned")
    assert await ActivityEnvironment().run(activities(pact, port).notify_returned, step) is True
    [message] = inbox.messages
    assert message["To"] == f"accueil-{pact.orgs['mission_locale'].hex[:6]}@example.org"
    assert message["X-Relais-Kind"] == "returned_to_sender"
    body = message.get_content()
    assert "Mercier" not in body and "Complet" not in body  # neither the person nor the free-text comment
