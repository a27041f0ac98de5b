"""An evaluation campaign's reminder reaches the evaluator at their address in the directory, in French;
a member the directory does not know, or knows without an address, gets nothing and stops nobody."""

from __future__ import annotations

import inspect
import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

from structlog.testing import capture_logs

from relais_referral.events.evaluation_reminders import (
    EVALUATOR_INVITED,
    EVALUATOR_REMINDED,
    EvaluatorReminders,
)
from relais_referral.notifications.evaluation import evaluator_reminder
from relais_referral.notifications.testing import RecordingNotifier
from relais_shared.envelope import IncomingEnvelope

PLIE = uuid.uuid4()
CAMPAIGN = uuid.uuid4()


class FakeMembers:
    def __init__(self, *members: Any) -> None:
        self.members = {(m.organisation_id, m.sub): m for m in members}

    async def member(self, org_id: uuid.UUID, sub: str) -> Any:
        return self.members.get((org_id, sub))


def member(sub: str, email: str | None) -> Any:
    return SimpleNamespace(organisation_id=PLIE, sub=sub, display_name="Claire Martin", email=email)


def reminded(sub: str, milestone: str = "final", **data: Any) -> IncomingEnvelope:
    return IncomingEnvelope(
        type=EVALUATOR_REMINDED,
        source="evaluation",
        subject=str(CAMPAIGN),
        dataschema="contracts/events/evaluation/evaluation.evaluator_reminded.v1.schema.json",
        data={
            "campaign_id": str(CAMPAIGN),
            "campaign_title": "Ateliers permis et mobilité",
            "milestone": milestone,
            "due_on": "2027-03-01",
            "evaluator_org_id": str(PLIE),
            "evaluator_sub": sub,
            "reminded_at": "2027-02-22T08:00:00+00:00",
            **data,
        },
    )


def handler(notifier: RecordingNotifier, *members: Any) -> EvaluatorReminders:
    directory = FakeMembers(*members)
    return EvaluatorReminders(notifier, "https://relais.example/", directory=lambda _session: directory)


async def test_the_reminded_evaluator_is_mailed_in_french_with_the_deadline_and_the_campaign_link() -> None:
    notifier = RecordingNotifier()
    envelope = reminded("claire")
    await handler(notifier, member("claire", "claire.martin@plie.example"))(None, envelope)  # type: ignore[arg-type]

    [mail] = notifier.sent
    assert mail.kind == "evaluator_reminder"
    assert mail.recipients == ("claire.martin@plie.example",)
    assert mail.subject == (
        "[Relais] Évaluation attendue au plus tard le lundi 1er mars 2027 : Ateliers permis et mobilité"
    )
    assert "évaluation finale" in mail.body and "Campagne : Ateliers permis et mobilité" in mail.body
    assert f"https://relais.example/evaluation/campagnes/{CAMPAIGN}?etape=finale" in mail.body
    assert mail.idempotency_key == f"evaluator-reminder/{envelope.id}"  # a redelivery: the same Message-ID


async def test_the_mid_term_reminder_names_the_test_d_utilisation() -> None:
    notifier = RecordingNotifier()
    await handler(notifier, member("claire", "claire.martin@plie.example"))(
        None, reminded("claire", "mid_term")
    )  # type: ignore[arg-type]
    [mail] = notifier.sent
    assert "test d'utilisation" in mail.body and "?etape=mi-parcours" in mail.body


async def test_a_member_unknown_to_the_directory_or_without_address_is_sent_nothing() -> None:
    notifier = RecordingNotifier()
    handle = handler(notifier, member("sans-adresse", None))
    with capture_logs() as logs:
        for sub in ("inconnu", "sans-adresse"):
            await handle(None, reminded(sub))  # type: ignore[arg-type]  # returns: the message is acknowledged
    assert notifier.sent == []
    assert [line["known_member"] for line in logs] == [False, True]
    assert not any(word in repr(logs) for word in ("inconnu", "sans-adresse", "Claire"))


def test_the_reminder_text_takes_no_personal_data_and_writes_no_address() -> None:
    parameters = inspect.signature(evaluator_reminder).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)  # no **kwargs to slip data in
    assert not any(word in p.name for p in parameters for word in ("name", "email", "phone", "jobseeker"))
    mail = evaluator_reminder(
        recipients=["claire.martin@plie.example"],
        idempotency_key="k",
        portal_url="https://relais.example",
        campaign_id=CAMPAIGN,
        campaign_title="Ateliers permis et mobilité",
        milestone="final",
        due_on=date(2027, 6, 30),
    )
    assert "@" not in f"{mail.subject}\n{mail.body}"  # the address travels in the envelope only
    assert mail.body.startswith("Bonjour,\n") and "mercredi 30 juin 2027" in mail.body


def invited(sub: str, **data: Any) -> IncomingEnvelope:
    return IncomingEnvelope(
        type=EVALUATOR_INVITED,
        source="evaluation",
        subject=str(CAMPAIGN),
        dataschema="contracts/events/evaluation/evaluation.evaluator_invited.v1.schema.json",
        data={
            "campaign_id": str(CAMPAIGN),
            "campaign_title": "Ateliers permis et mobilité",
            "perspective": "external_expert",
            "mid_term_due": "2027-03-01",
            "final_due": "2027-06-30",
            "evaluator_org_id": str(PLIE),
            "evaluator_sub": sub,
            "invited_at": "2027-01-11T09:30:00+00:00",
            **data,
        },
    )


async def test_the_invited_evaluator_is_told_what_to_evaluate_as_whom_by_when_and_where() -> None:
    notifier = RecordingNotifier()
    envelope = invited("claire")
    await handler(notifier, member("claire", "claire.martin@plie.example"))(None, envelope)  # type: ignore[arg-type]

    [mail] = notifier.sent
    assert (mail.kind, mail.recipients) == ("evaluator_invitation", ("claire.martin@plie.example",))
    assert mail.subject == "[Relais] Invitation à évaluer : Ateliers permis et mobilité"
    assert "Vous évaluez à titre de : experte ou expert externe" in mail.body
    assert "lundi 1er mars 2027" in mail.body and "mercredi 30 juin 2027" in mail.body
    assert f"https://relais.example/evaluation/campagnes/{CAMPAIGN}?etape=mi-parcours" in mail.body
    assert mail.idempotency_key == f"evaluator-invitation/{envelope.id}"
    assert "@" not in f"{mail.subject}\n{mail.body}"


async def test_an_invitation_to_a_member_without_address_is_sent_nothing_and_stops_nobody() -> None:
    notifier = RecordingNotifier()
    with capture_logs() as logs:
        await handler(notifier, member("sans-adresse", None))(None, invited("sans-adresse"))  # type: ignore[arg-type]
    assert notifier.sent == []
    assert logs[0]["event"] == "evaluator invitation not mailed: no address in the directory"
