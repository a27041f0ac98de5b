"""The reminder activity stages one ``evaluation.evaluator_reminded.v1`` per evaluator it reminds (for the
referral service to mail), in the reminder's unit of work, and nothing again when the step is retried."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from temporalio.testing import ActivityEnvironment

from relais_evaluation.adapters.events.published import TOPIC, EvaluatorRemindedV1
from relais_evaluation.adapters.workflows.activities import CampaignActivities
from relais_evaluation.adapters.workflows.campaign import StepInput
from relais_shared.envelope import EventData

PLIE = uuid.uuid4()


class FakeCampaigns:
    """The repository in memory, with the store's rule: an evaluator is reminded once per milestone."""

    def __init__(self) -> None:
        self.campaign = SimpleNamespace(
            id=uuid.uuid4(),
            title="Ateliers mobilité",
            status="open",
            mid_term_due=date(2027, 3, 1),
            final_due=date(2027, 6, 30),
        )
        self.evaluators = [
            SimpleNamespace(id=uuid.uuid4(), org_id=PLIE, sub=sub) for sub in ("auteur", "pair", "expert")
        ]
        self.submitted = {(self.evaluators[1].id, "final")}  # the peer already submitted
        self.reminded: set[tuple[uuid.UUID, str]] = set()

    async def get(self, campaign_id: uuid.UUID) -> Any:
        return self.campaign if campaign_id == self.campaign.id else None

    async def remind(self, campaign_id: uuid.UUID, milestone: str, at: datetime) -> list[Any]:
        due = [
            e
            for e in self.evaluators
            if (e.id, milestone) not in self.submitted and (e.id, milestone) not in self.reminded
        ]
        self.reminded |= {(e.id, milestone) for e in due}
        return due


class FakeUnitOfWork:
    def __init__(self, campaigns: FakeCampaigns, outbox: list[tuple[EventData, uuid.UUID | None]]) -> None:
        self.campaigns, self.outbox = campaigns, outbox
        self._pending: list[tuple[EventData, uuid.UUID | None]] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:  # committed: the staged events reach the outbox with the reminders
            self.outbox.extend(self._pending)

    def publish(self, data: EventData, *, event_id: uuid.UUID | None = None) -> None:
        self._pending.append((data, event_id))


async def test_each_newly_reminded_evaluator_gets_one_event_and_a_retry_stages_none() -> None:
    campaigns = FakeCampaigns()
    outbox: list[tuple[EventData, uuid.UUID | None]] = []
    steps = CampaignActivities(None, uow=lambda: FakeUnitOfWork(campaigns, outbox))
    step = StepInput(campaign_id=str(campaigns.campaign.id), milestone="final")

    first = await ActivityEnvironment().run(steps.remind_evaluators, step)
    retried = await ActivityEnvironment().run(steps.remind_evaluators, step)

    assert (first.open, first.count) == (True, 2)
    assert (retried.open, retried.count) == (True, 0)
    events = [data for data, _ in outbox]
    assert all(isinstance(e, EvaluatorRemindedV1) and e.topic == TOPIC for e in events)
    assert sorted((e.evaluator_org_id, e.evaluator_sub) for e in events) == [
        (PLIE, "auteur"),
        (PLIE, "expert"),
    ]
    assert {(e.campaign_title, e.milestone, e.due_on) for e in events} == {
        ("Ateliers mobilité", "final", date(2027, 6, 30))
    }
    assert len({event_id for _, event_id in outbox}) == 2  # one id per evaluator and milestone


async def test_the_mid_term_reminder_carries_the_mid_term_deadline() -> None:
    campaigns = FakeCampaigns()
    outbox: list[tuple[EventData, uuid.UUID | None]] = []
    steps = CampaignActivities(None, uow=lambda: FakeUnitOfWork(campaigns, outbox))
    step = StepInput(campaign_id=str(campaigns.campaign.id), milestone="mid_term")
    assert (await ActivityEnvironment().run(steps.remind_evaluators, step)).count == 3
    assert {(data.milestone, data.due_on) for data, _ in outbox} == {("mid_term", date(2027, 3, 1))}  # type: ignore[attr-defined]


async def test_a_closed_campaign_reminds_nobody_and_ends_its_workflow() -> None:
    campaigns = FakeCampaigns()
    campaigns.campaign.status = "closed"
    outbox: list[tuple[EventData, uuid.UUID | None]] = []
    steps = CampaignActivities(None, uow=lambda: FakeUnitOfWork(campaigns, outbox))
    result = await ActivityEnvironment().run(
        steps.remind_evaluators, StepInput(campaign_id=str(campaigns.campaign.id), milestone="final")
    )
    assert result.open is False and outbox == [] and campaigns.reminded == set()
