"""``referral-evaluation-reminders``: mails the evaluators reminded of an evaluation campaign's deadline.

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

from relais_referral.notifications.evaluation import evaluator_reminder
from relais_referral.notifications.port import Notifier
from relais_shared.envelope import IncomingEnvelope
from relais_shared.telemetry import get_logger

TOPICS = ("relais.evaluation.events",)
EVALUATOR_REMINDED = "evaluation.evaluator_reminded.v1"
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


CONTRACTS: dict[str, type[BaseModel]] = {EVALUATOR_REMINDED: EvaluatorReminded}


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
        if envelope.type != EVALUATOR_REMINDED:
            return  # the evaluation service's other events are not this consumer's business
        reminded = EvaluatorReminded.model_validate(envelope.data)
        member = await self.directory(session).member(reminded.evaluator_org_id, reminded.evaluator_sub)
        if member is None or not member.email:
            log.warning(
                "evaluator reminder not mailed: no address in the directory",
                event_id=str(envelope.id),
                campaign_id=str(reminded.campaign_id),
                known_member=member is not None,
            )
            return
        await self.notifier.send(
            evaluator_reminder(
                recipients=[member.email],
                idempotency_key=f"evaluator-reminder/{envelope.id}",
                portal_url=self.portal_url,
                campaign_id=reminded.campaign_id,
                campaign_title=reminded.campaign_title,
                milestone=reminded.milestone,
                due_on=reminded.due_on,
            )
        )
