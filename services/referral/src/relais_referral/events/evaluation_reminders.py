"""``referral-evaluation-reminders``: mails the evaluators invited to an evaluation campaign, and those
reminded of its deadlines.

The evaluation service knows an evaluator only by organisation and sign-in account (``sub``); the
directory of this service holds the members' addresses, so the e-mail is written and sent here and the
addresses never leave it. A member this directory does not know, or knows without an address, gets
nothing: the event is acknowledged (it is no poison message) and one line without personal data says so.

Sent inside the consumer's transaction, before its ``processed_events`` row commits: a redelivery after
a failed commit sends the same e-mail again with the same Message-ID (the event id), never a different
one; an SMTP server that is down is an outage (the message waits), a refused recipient a failure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.notifications.evaluation import evaluator_invitation, evaluator_reminder
from relais_referral.notifications.port import Notifier
from relais_shared.envelope import IncomingEnvelope
from relais_shared.telemetry import get_logger

TOPICS = ("relais.evaluation.events",)
EVALUATOR_REMINDED = "evaluation.evaluator_reminded.v1"
EVALUATOR_INVITED = "evaluation.evaluator_invited.v1"
log = get_logger(__name__)


class EvaluatorReminded(BaseModel):
    """This service's tolerant reading of the evaluation service's contract."""

    model_config = ConfigDict(extra="ignore")

    campaign_id: uuid.UUID
    campaign_title: str = Field(min_length=1, pattern=r"^[^\r\n]+$")
    milestone: Literal["mid_term", "final"]
    due_on: date
    evaluator_org_id: uuid.UUID
    evaluator_sub: str = Field(min_length=1)


class EvaluatorInvited(BaseModel):
    """This service's tolerant reading of the evaluation service's contract."""

    model_config = ConfigDict(extra="ignore")

    campaign_id: uuid.UUID
    campaign_title: str = Field(min_length=1, pattern=r"^[^\r\n]+$")
    perspective: Literal["author", "peer", "external_expert"]
    mid_term_due: date | None = None
    final_due: date
    evaluator_org_id: uuid.UUID
    evaluator_sub: str = Field(min_length=1)


CONTRACTS: dict[str, type[BaseModel]] = {
    EVALUATOR_REMINDED: EvaluatorReminded,
    EVALUATOR_INVITED: EvaluatorInvited,
}


def _directory(session: AsyncSession) -> Any:
    from relais_referral.db.people import DirectoryRepository

    return DirectoryRepository(session)


class EvaluatorReminders:
    """The subscriber's handler: one e-mail to the member the event names, if they have an address."""

    def __init__(
        self,
        notifier: Notifier,
        portal_url: str,
        directory: Callable[[AsyncSession], Any] = _directory,
    ) -> None:
        self.notifier = notifier
        self.portal_url = portal_url
        self.directory = directory  # the members' repository on the consumer's session (a fake in tests)

    async def __call__(self, session: AsyncSession, envelope: IncomingEnvelope) -> None:
        if envelope.type not in (EVALUATOR_REMINDED, EVALUATOR_INVITED):
            return  # the evaluation service's other events are not this consumer's business
        told: EvaluatorReminded | EvaluatorInvited
        if envelope.type == EVALUATOR_REMINDED:
            told = EvaluatorReminded.model_validate(envelope.data)
        else:
            told = EvaluatorInvited.model_validate(envelope.data)
        member = await self.directory(session).member(told.evaluator_org_id, told.evaluator_sub)
        what = "reminder" if isinstance(told, EvaluatorReminded) else "invitation"
        if member is None or not member.email:
            log.warning(
                f"evaluator {what} not mailed: no address in the directory",
                event_id=str(envelope.id),
                campaign_id=str(told.campaign_id),
                known_member=member is not None,
            )
            return
        if isinstance(told, EvaluatorReminded):
            note = evaluator_reminder(
                recipients=[member.email],
                idempotency_key=f"evaluator-reminder/{envelope.id}",
                portal_url=self.portal_url,
                campaign_id=told.campaign_id,
                campaign_title=told.campaign_title,
                milestone=told.milestone,
                due_on=told.due_on,
            )
        else:
            note = evaluator_invitation(
                recipients=[member.email],
                idempotency_key=f"evaluator-invitation/{envelope.id}",
                portal_url=self.portal_url,
                campaign_id=told.campaign_id,
                campaign_title=told.campaign_title,
                perspective=told.perspective,
                mid_term_due=told.mid_term_due,
                final_due=told.final_due,
            )
        await self.notifier.send(note)
