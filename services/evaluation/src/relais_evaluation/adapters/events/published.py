"""Integration events the evaluation service publishes: ``relais.evaluation.events``, keyed by campaign.

``evaluation.evaluator_invited.v1`` and ``evaluation.evaluator_reminded.v1`` ask for a campaign's invitation
and reminders to reach its evaluator. The evaluation
service knows an evaluator only by organisation and sign-in account (``sub``); the referral service,
which owns the directory of members and their addresses, reads the event and sends the e-mail, so
addresses never leave it. Like the other services' events it carries ids, codes and dates; the
campaign's title names an action of the pact, never a person, and no jobseeker data is ever in it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from relais_evaluation.domain.campaigns import EvaluatorReminded
from relais_shared.envelope import EventData, EventRegistry

TOPIC = "relais.evaluation.events"
registry = EventRegistry()


@registry.register
class EvaluatorRemindedV1(EventData):
    """An invited evaluator who has not submitted the milestone's assessment is reminded of its deadline
    (relance); the referral service mails the member of its directory it names."""

    event_type: ClassVar[str] = "evaluation.evaluator_reminded.v1"
    source: ClassVar[str] = "evaluation"
    topic: ClassVar[str] = TOPIC
    campaign_id: uuid.UUID
    campaign_title: str = Field(min_length=1, max_length=200)
    milestone: Literal["mid_term", "final"] = Field(
        description="mid_term: the « test d'utilisation »; final: the final evaluation"
    )
    due_on: date = Field(description="The milestone's deadline (the last day to submit)")
    evaluator_org_id: uuid.UUID
    evaluator_sub: str = Field(
        min_length=1, max_length=200, description="The evaluator's sign-in account (the token's sub)"
    )
    reminded_at: datetime

    def subject(self) -> str:
        return str(self.campaign_id)


@registry.register
class EvaluatorInvitedV1(EventData):
    """An evaluator was invited to a campaign, with a perspective; the referral service mails the member
    of its directory it names (what to evaluate, the deadlines, the link to the grid)."""

    event_type: ClassVar[str] = "evaluation.evaluator_invited.v1"
    source: ClassVar[str] = "evaluation"
    topic: ClassVar[str] = TOPIC
    campaign_id: uuid.UUID
    campaign_title: str = Field(min_length=1, max_length=200)
    perspective: Literal["author", "peer", "external_expert"]
    mid_term_due: date | None = Field(default=None, description="The « test d'utilisation » deadline, if any")
    final_due: date
    evaluator_org_id: uuid.UUID
    evaluator_sub: str = Field(
        min_length=1, max_length=200, description="The evaluator's sign-in account (the token's sub)"
    )
    invited_at: datetime

    def subject(self) -> str:
        return str(self.campaign_id)


def evaluator_reminded(reminded: EvaluatorReminded) -> tuple[EvaluatorRemindedV1, uuid.UUID]:
    """The contract of a reminder and its event id: one id per evaluator and milestone, so that a
    reminder staged twice would still be mailed once (consumers deduplicate on it)."""
    data = EvaluatorRemindedV1(
        campaign_id=reminded.campaign_id,
        campaign_title=reminded.campaign_title,
        milestone=reminded.milestone,
        due_on=reminded.due_on,
        evaluator_org_id=reminded.org_id,
        evaluator_sub=reminded.sub,
        reminded_at=reminded.reminded_at,
    )
    return data, uuid.uuid5(reminded.evaluator_id, f"reminded/{reminded.milestone}")
