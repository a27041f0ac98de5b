"""The referral service's main handlers on a fake unit of work: the pact's rules without a database."""

from __future__ import annotations

import uuid

import pytest

from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.escalation import EscalationLevel
from relais_referral.domain.events import (
    ReferentChanged,
    ReferralAccepted,
    ReferralEscalated,
    ReferralMadeObsolete,
    ReferralReturnedToSender,
    ReferralSubmitted,
)
from relais_referral.domain.journey import TaskKind
from relais_referral.domain.referral import ReferralStatus, RefusalReason
from relais_referral.service_layer import referrals as h
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.referrals import (
    SubmitReferral,
    act_on_referral,
    escalate_referral,
    submit_referral,
)

from .fakes import FakeUnitOfWork, counsellor


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def ctx(uow: FakeUnitOfWork) -> PactContext:
    return PactContext(coordination_org_id=uow.organisation("pact_coordination"), departement="44")


async def refer(
    uow: FakeUnitOfWork, ctx: PactContext, person: uuid.UUID, sender: uuid.UUID, receiver: uuid.UUID
):  # type: ignore[no-untyped-def]
    async with uow:
        return await submit_referral(
            uow, counsellor(sender), SubmitReferral(person, receiver, "Parcours"), ctx
        )


async def test_the_sender_stays_referent_until_the_receiver_accepts_then_follows_the_person(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    mission_locale, plie = uow.organisation("mission_locale"), uow.organisation("plie")
    person = uow.person(referent=mission_locale)
    referral = await refer(uow, ctx, person, mission_locale, plie)
    assert uow.people[person].referent_org_id == mission_locale  # warm hand-off
    assert uow.events(ReferralSubmitted) and uow.audited[-1] == ("refer", "jobseeker", str(person))

    async with uow:
        accepted = await act_on_referral(uow, counsellor(plie), referral.id, h.Accept(), ctx)
    assert accepted.status is ReferralStatus.ACCEPTED
    journey = uow.journeys.rows[person]
    assert journey.referent_org_id == plie and mission_locale in journey.follow_up
    assert uow.events(ReferralAccepted)
    [changed] = uow.events(ReferentChanged)
    assert (changed.previous_referent_org_id, changed.referent_org_id, changed.cause) == (
        mission_locale,
        plie,
        "referral_accepted",
    )


async def test_accepting_one_referral_makes_the_persons_other_open_referrals_obsolete(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    sender, plie, cap_emploi = (uow.organisation(k) for k in ("france_travail", "plie", "cap_emploi"))
    person = uow.person(referent=sender)
    first = await refer(uow, ctx, person, sender, plie)
    second = await refer(uow, ctx, person, sender, cap_emploi)
    async with uow:
        await act_on_referral(uow, counsellor(cap_emploi), second.id, h.Accept(), ctx)
    assert uow.referrals.rows[first.id].status is ReferralStatus.OBSOLETE
    assert [e.referral_id for e in uow.events(ReferralMadeObsolete)] == [first.id]


async def test_a_refusal_returns_the_person_to_the_sender_with_a_reorientation_task(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    sender, receiver = uow.organisation("mission_locale"), uow.organisation("plie")
    person = uow.person(referent=sender)
    referral = await refer(uow, ctx, person, sender, receiver)
    async with uow:
        refused = await act_on_referral(
            uow,
            counsellor(receiver),
            referral.id,
            h.Refuse(RefusalReason.NO_CAPACITY),
            ctx,
        )
    assert refused.status is ReferralStatus.REFUSED
    [task] = [t for t in uow.journeys.rows[person].tasks if t.kind is TaskKind.REORIENT]
    assert task.org_id == sender and task.referral_id == referral.id
    assert uow.events(ReferralReturnedToSender)


async def test_nobody_may_refer_a_person_their_organisation_does_not_follow(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    referent, stranger, receiver = (uow.organisation(k) for k in ("plie", "mission_locale", "cap_emploi"))
    person = uow.person(referent=referent)
    with pytest.raises(NotFound):
        await refer(uow, ctx, person, stranger, receiver)
    assert uow.published == [] and uow.referrals.rows == {}


async def test_only_the_receiver_answers_a_referral(uow: FakeUnitOfWork, ctx: PactContext) -> None:
    sender, receiver = uow.organisation("mission_locale"), uow.organisation("plie")
    referral = await refer(uow, ctx, uow.person(referent=sender), sender, receiver)
    with pytest.raises(NotAllowed):
        async with uow:
            await act_on_referral(uow, counsellor(sender), referral.id, h.Accept(), ctx)
    with pytest.raises(NotFound):  # an outsider does not even learn that it exists
        async with uow:
            await act_on_referral(uow, counsellor(uow.organisation("siae")), referral.id, h.Accept(), ctx)


async def test_an_escalation_step_is_recorded_once_and_tells_the_receivers_manager(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    sender, receiver = uow.organisation("mission_locale"), uow.organisation("plie")
    uow.directory.organisations[receiver].manager_email = "direction@plie.example.org"
    referral = await refer(uow, ctx, uow.person(referent=sender), sender, receiver)
    step = uuid.uuid4()
    for _ in range(2):  # the activity retried after an SMTP failure
        async with uow:
            outcome = await escalate_referral(uow, referral.id, EscalationLevel.MANAGER, step, ctx)
        assert outcome.escalated and outcome.recipients == ("direction@plie.example.org",)
    assert len(uow.events(ReferralEscalated)) == 1
    escalations = [t for t in uow.journeys.rows[referral.jobseeker_id].tasks if t.kind is TaskKind.ESCALATION]
    assert [t.org_id for t in escalations] == [receiver]


async def test_bootstrapped_with_fakes_a_manager_escalation_mails_the_manager_once_per_retry_and_records_once(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    from relais_referral.bootstrap import bootstrap
    from relais_referral.notifications.testing import RecordingNotifier
    from relais_referral.workflows.activities import ReferralActivities, StepInput

    sender, receiver = uow.organisation("mission_locale"), uow.organisation("plie")
    uow.directory.organisations[receiver].manager_email = "direction@plie.example.org"
    referral = await refer(uow, ctx, uow.person(referent=sender), sender, receiver)
    notifier = RecordingNotifier()
    activities = ReferralActivities(bootstrap(uow=lambda: uow, notifier=notifier, context=ctx))
    step = StepInput(referral_id=str(referral.id), level="manager", step=f"referral-{referral.id}/manager")
    for _ in range(2):  # Temporal retries the activity after the mail server failed
        await activities.escalate(step)
    assert [n.recipients for n in notifier.sent] == [("direction@plie.example.org",)] * 2
    assert len(uow.events(ReferralEscalated)) == 1


async def test_an_action_racing_a_merge_of_the_person_is_a_conflict_to_resend_not_a_crash(
    uow: FakeUnitOfWork, ctx: PactContext
) -> None:
    from relais_shared.errors import Conflict

    mission_locale, plie = uow.organisation("mission_locale"), uow.organisation("plie")
    person = uow.person(referent=mission_locale)
    referral = await refer(uow, ctx, person, mission_locale, plie)
    del uow.people[person]  # merged into another record after the action read the referral
    uow.journeys.rows.pop(person, None)
    with pytest.raises(Conflict, match="fusionnée"):
        async with uow:
            await act_on_referral(uow, counsellor(plie), referral.id, h.Accept(), ctx)
    assert uow.referrals.rows[referral.id].status is ReferralStatus.SUBMITTED
