"""Referral handlers: submission, each party's actions, and the system's (deadlines, obsolescence)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import ClassVar

from relais_referral.domain.calendar import add_working_days, paris_date
from relais_referral.domain.deadlines import (
    acknowledgement_due_on,
    appointment_outcome_due,
    appointment_outcome_due_on,
    decision_due_on,
    expires_on,
    receiver_calendar,
)
from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.escalation import RECIPIENT, EscalationLevel, Recipient, escalation_applies
from relais_referral.domain.events import ReferralEscalated
from relais_referral.domain.handoff import apply_to_journey
from relais_referral.domain.jobseeker import equality_axes
from relais_referral.domain.journey import STEP_ONLY_KINDS, Journey, LifeEvent, TaskKind
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.domain.referral import (
    AppointmentOutcome,
    Referral,
    ReferralStatus,
    RefusalReason,
)
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.journeys import load_journey, record_life_event
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.auth import Principal
from relais_shared.errors import Conflict


@dataclass(frozen=True)
class SubmitReferral:
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    motive: str
    training_session_id: uuid.UUID | None = None


# One command per action of a party on a referral (the API's routes, the demo data and the tests send them).
@dataclass(frozen=True)
class Acknowledge:
    """Accusé de réception, by the receiver."""

    name: ClassVar[str] = "acknowledge"


@dataclass(frozen=True)
class ScheduleAppointment:
    """A first meeting, a new date for it, or a re-invitation after a no-show (by the receiver)."""

    appointment_at: datetime
    name: ClassVar[str] = "schedule"


@dataclass(frozen=True)
class RecordAppointmentOutcome:
    outcome: AppointmentOutcome
    name: ClassVar[str] = "outcome"


@dataclass(frozen=True)
class Accept:
    """Prise en charge: the receiver becomes référent."""

    name: ClassVar[str] = "accept"


@dataclass(frozen=True)
class Refuse:
    reason: RefusalReason
    comment: str | None = None
    shared_with_jobseeker: bool = False
    name: ClassVar[str] = "refuse"


@dataclass(frozen=True)
class Withdraw:
    """By the sender."""

    name: ClassVar[str] = "withdraw"


@dataclass(frozen=True)
class Close:
    """The end of the accompaniment, with its outcome, by the référent."""

    outcome: str = "other"
    name: ClassVar[str] = "close"


ReferralCommand = (
    Acknowledge | ScheduleAppointment | RecordAppointmentOutcome | Accept | Refuse | Withdraw | Close
)


async def submit_referral(
    uow: UnitOfWork, principal: Principal, cmd: SubmitReferral, ctx: PactContext
) -> Referral:
    if not principal.has_role("counsellor"):
        raise NotAllowed("Seuls des conseillers envoient des orientations.")
    jobseeker = await uow.jobseekers.get(cmd.jobseeker_id)
    if jobseeker is None or not await uow.jobseekers.visible_to(jobseeker, principal.org_id):
        raise NotFound("jobseeker")
    receiver = await uow.directory.organisation(cmd.receiver_org_id)
    if receiver is None:
        raise NotFound("organisation")
    journey = await uow.journeys.get(jobseeker.id, ctx.coordination_org_id)
    assert journey is not None
    policy = await uow.policies.current(receiver.kind)
    now = datetime.now(UTC)
    calendar = receiver_calendar(receiver.departement, ctx.departement)
    referral = Referral.submit(
        referral_id=uuid.uuid4(),
        jobseeker_id=jobseeker.id,
        sender_org_id=principal.org_id,
        receiver_org_id=receiver.id,
        receiver_departement=receiver.departement,
        motive=cmd.motive,
        submitted_by=principal.sub,
        now=now,
        acknowledgement_due=acknowledgement_due_on(paris_date(now), policy, calendar),
        axes=equality_axes(jobseeker, paris_date(now)),
        policy_version=policy.version,
        training_session_id=cmd.training_session_id,
        receiver_kind=receiver.kind,
    )
    uow.referrals.add(referral)
    await _settle(uow, referral, journey, policy, now, ctx)
    await uow.audit(
        principal,
        action="refer",
        resource_type="jobseeker",
        resource_id=str(jobseeker.id),
        detail=f"referral {referral.id}",
    )
    return referral


async def act_on_referral(
    uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID, command: ReferralCommand, ctx: PactContext
) -> Referral:
    found = await uow.referrals.get(referral_id)
    if found is None or not found.involves(principal.org_id):
        raise NotFound("referral")
    if not principal.has_role("counsellor"):
        raise NotAllowed("Seuls des conseillers agissent sur les orientations.")
    # Lock order, everywhere: the person first, then their referrals (no deadlock between handlers).
    journey = await uow.journeys.get(found.jobseeker_id, ctx.coordination_org_id)
    referral = await uow.referrals.get(referral_id, for_update=True)
    if journey is None or referral is None or referral.jobseeker_id != found.jobseeker_id:
        # The person's two records were merged between our first read and the locks (the referral now
        # belongs to the kept record): nothing was changed; the same request succeeds when sent again.
        raise Conflict("la fiche de la personne vient d'être fusionnée avec une autre : renvoyez la demande")
    policy = await uow.policies.version(referral.policy_version)
    now = datetime.now(UTC)
    org = principal.org_id
    reorient_due = await _reorient_due(uow, referral, policy, now, ctx)
    match command:
        case Acknowledge():
            referral.acknowledge(by_org_id=org, now=now)
        case ScheduleAppointment(appointment_at=appointment_at):
            receiver = await uow.directory.organisation(referral.receiver_org_id)
            departement = receiver_calendar(receiver.departement if receiver else None, ctx.departement)
            referral.schedule_appointment(
                by_org_id=org,
                appointment_at=appointment_at,
                now=now,
                outcome_due_at=appointment_outcome_due(paris_date(appointment_at), policy, departement),
            )
        case RecordAppointmentOutcome(outcome=outcome):
            referral.record_appointment_outcome(
                by_org_id=org,
                outcome=outcome,
                now=now,
                max_no_shows=policy.max_no_shows,
                reorient_due=reorient_due,
            )
        case Accept():
            referral.accept(by_org_id=org, now=now)
        case Refuse(reason=reason, comment=comment, shared_with_jobseeker=shared):
            referral.refuse(
                by_org_id=org,
                reason=reason,
                comment=comment,
                shared_with_jobseeker=shared,
                now=now,
                reorient_due=reorient_due,
            )
        case Withdraw():
            referral.withdraw(by_org_id=org, now=now)
        case Close(outcome=closing):
            referral.close(by_org_id=org, outcome=closing, now=now)
    await uow.referrals.save(referral)
    await _settle(uow, referral, journey, policy, now, ctx)
    await uow.audit(
        principal,
        action=command.name,
        resource_type="referral",
        resource_id=str(referral.id),
    )
    return referral


# ------------------------------------------------------------------ system actions (workflow activities)
async def accept_on_hire(
    uow: UnitOfWork, jobseeker_id: uuid.UUID, employer_org_id: uuid.UUID, ctx: PactContext
) -> list[uuid.UUID]:
    """A hire under an insertion clause (the clauses service's event) answers the referral that brought
    the candidate to that employer: taken in charge, as if the employer had accepted it."""
    journey = await uow.journeys.get(jobseeker_id, ctx.coordination_org_id)  # lock order: person first
    if journey is None:
        return []
    accepted = []
    now = datetime.now(UTC)
    for referral_id, open_referral in list(journey.open_referrals.items()):
        if open_referral.receiver_org_id != employer_org_id:
            continue
        referral = await uow.referrals.get(referral_id, for_update=True)
        if referral is None or not referral.is_open:
            continue
        policy = await uow.policies.version(referral.policy_version)
        referral.accept(by_org_id=employer_org_id, now=now)
        await uow.referrals.save(referral)
        await _settle(uow, referral, journey, policy, now, ctx)
        accepted.append(referral.id)
    return accepted


async def _answer_for_provider(
    uow: UnitOfWork,
    referral_id: uuid.UUID,
    provider_org_id: uuid.UUID,
    ctx: PactContext,
    answerable: Callable[[Referral], bool],
    answer: Callable[[Referral, datetime], None],
) -> bool:
    """A referral the training service answers for its provider (locked after its person's journey), when
    it is still ``answerable``; False otherwise."""
    found = await uow.referrals.get(referral_id)
    if found is None or found.receiver_org_id != provider_org_id:
        raise NotFound("referral")
    journey = await uow.journeys.get(found.jobseeker_id, ctx.coordination_org_id)  # lock order: person first
    referral = await uow.referrals.get(referral_id, for_update=True)
    if journey is None or referral is None or not answerable(referral):
        return False
    policy = await uow.policies.version(referral.policy_version)
    now = datetime.now(UTC)
    answer(referral, now)
    await uow.referrals.save(referral)
    await _settle(uow, referral, journey, policy, now, ctx)
    return True


async def accept_on_enrolment(
    uow: UnitOfWork, referral_id: uuid.UUID, provider_org_id: uuid.UUID, ctx: PactContext
) -> bool:
    """The training provider confirmed the seat a referral asked for (the training service's event): the
    referral is taken in charge, as if the provider had accepted it. False when it was answered already
    (withdrawn, expired or obsolete meanwhile: the enrolment does not reopen it)."""
    return await _answer_for_provider(
        uow,
        referral_id,
        provider_org_id,
        ctx,
        answerable=lambda referral: referral.is_open,
        answer=lambda referral, now: referral.accept(by_org_id=provider_org_id, now=now),
    )


async def acknowledge_on_waitlist(
    uow: UnitOfWork, referral_id: uuid.UUID, provider_org_id: uuid.UUID, ctx: PactContext
) -> bool:
    """The session a referral asked for is full and the person is on its waitlist (the training service's
    event): that is the provider's answer, so the referral is acknowledged on its behalf, and its
    reminder and manager escalation ("no acknowledgement") no longer ring. A freed seat then accepts it
    (``accept_on_enrolment``); the session's start or cancellation returns it (``end_training``). False
    when it was acknowledged or answered already."""
    return await _answer_for_provider(
        uow,
        referral_id,
        provider_org_id,
        ctx,
        answerable=lambda referral: referral.status is ReferralStatus.SUBMITTED,
        answer=lambda referral, now: referral.acknowledge(by_org_id=provider_org_id, now=now),
    )


# Why a seat the referral asked for ended before the training, as the sender reads it on the referral.
TRAINING_CANCELLED_COMMENT = {
    "session_cancelled": "La session de formation a été annulée par l'organisme",
    "withdrawn": "L'inscription à la session de formation a été annulée par l'organisme",
    "session_unavailable": "La session de formation demandée est terminée ou annulée",
    "session_started": "La session de formation demandée a déjà commencé : elle ne prend plus d'inscription",
    "waitlist_closed": (
        "La session de formation a commencé sans qu'une place se libère : la liste d'attente est close"
    ),
}


async def end_training(
    uow: UnitOfWork,
    jobseeker_id: uuid.UUID,
    referral_id: uuid.UUID | None,
    cause: str,
    ctx: PactContext,
    *,
    event_id: uuid.UUID,
) -> None:
    """A training ended early (``cause``: abandoned, withdrawn, session_cancelled, session_unavailable,
    session_started or waitlist_closed): nobody is left alone.

    A referral still waiting for its seat (waitlisted) is returned to its sender, with the re-orientation
    task of any returned referral. A person the provider had taken in charge goes back to the counsellor
    who referred them, who gets the re-orientation task. Without a referral, the référent gets it."""
    journey = await load_journey(uow, None, jobseeker_id, ctx)  # lock order: person first
    referral = await uow.referrals.get(referral_id, for_update=True) if referral_id else None
    if referral is not None and referral.jobseeker_id != jobseeker_id:
        referral = None  # merged into another record since: that record's journey is not this one
    now = datetime.now(UTC)
    policy = await uow.policies.current("*")
    if referral is not None and referral.is_open:
        referral_policy = await uow.policies.version(referral.policy_version)
        referral.refuse(
            by_org_id=referral.receiver_org_id,
            reason=RefusalReason.OTHER,
            comment=TRAINING_CANCELLED_COMMENT.get(cause, "La formation n'a pas eu lieu"),
            shared_with_jobseeker=False,
            now=now,
            reorient_due=await _reorient_due(uow, referral, referral_policy, now, ctx),
        )
        await uow.referrals.save(referral)
        await _settle(uow, referral, journey, referral_policy, now, ctx)
        return
    if referral is not None and referral.status is ReferralStatus.ACCEPTED:
        journey.back_from_training(
            provider=referral.receiver_org_id,
            counsellor=referral.sender_org_id,
            referral_id=referral.id,
            now=now,
        )
    if cause == "abandoned":
        await uow.journeys.save(journey)
        await record_life_event(uow, None, jobseeker_id, LifeEvent.TRAINING_ABANDONED, ctx, event_id=event_id)
        return
    if cause == "session_cancelled" or referral is not None:
        today = paris_date(now)
        journey.training_cancelled(
            now=now,
            reorient_due=add_working_days(today, policy.reorient_days, ctx.departement),
            unaccompanied_due=add_working_days(today, policy.unaccompanied_days, ctx.departement),
        )
    await uow.journeys.save(journey)


@dataclass(frozen=True)
class EscalationOutcome:
    """What the activity needs to notify, without personal data."""

    status: str
    escalated: bool
    sender_name: str = ""
    receiver_name: str = ""
    recipients: tuple[str, ...] = ()
    submitted_on: date | None = None
    acknowledgement_due: date | None = None
    appointment_on: date | None = None
    appointment_outcome_due: date | None = None
    decision_due: date | None = None  # once an appointment's outcome is in
    expires_on: date | None = None  # on the receiver's calendar, like every deadline of the referral
    expiry_days: int = 30


async def escalate_referral(
    uow: UnitOfWork, referral_id: uuid.UUID, level: EscalationLevel, event_id: uuid.UUID, ctx: PactContext
) -> EscalationOutcome:
    """A deadline rang: if the referral still waits, record it, give someone a task, say whom to notify.

    Recorded once per step (the event id); a retry of the step finds it recorded and only says again
    whom to notify, so that an e-mail lost to an SMTP failure is sent on the retry."""
    found = await uow.referrals.get(referral_id)
    if found is None:
        return EscalationOutcome(status="unknown", escalated=False)
    journey = await uow.journeys.get(found.jobseeker_id, ctx.coordination_org_id)  # lock order: person first
    referral = await uow.referrals.get(referral_id, for_update=True)
    assert journey is not None and referral is not None
    sender = await uow.directory.organisation(referral.sender_org_id)
    receiver = await uow.directory.organisation(referral.receiver_org_id)
    assert sender is not None and receiver is not None
    policy = await uow.policies.version(referral.policy_version)
    calendar = receiver_calendar(receiver.departement, ctx.departement)
    appointment_on = paris_date(referral.appointment_at) if referral.appointment_at else None
    base = EscalationOutcome(
        status=referral.status.value,
        escalated=False,
        sender_name=sender.name,
        receiver_name=receiver.name,
        submitted_on=paris_date(referral.submitted_at),
        acknowledgement_due=referral.acknowledgement_due,
        appointment_on=appointment_on,
        appointment_outcome_due=appointment_outcome_due_on(appointment_on, policy, calendar)
        if appointment_on
        else None,
        decision_due=decision_due_on(paris_date(referral.outcome_recorded_at), policy, calendar)
        if referral.outcome_recorded_at
        else None,
        expires_on=expires_on(paris_date(referral.submitted_at), policy, calendar),
        expiry_days=policy.expiry_days,
    )
    if not await uow.outbox_has(event_id):
        if not escalation_applies(referral, level):
            return base
        now = datetime.now(UTC)
        uow.publish(
            ReferralEscalated(
                referral_id=referral.id, occurred_at=now, receiver_org_id=receiver.id, level=level
            ),
            event_id=event_id,
        )
        if level is not EscalationLevel.REMINDER:
            owner = ctx.coordination_org_id if RECIPIENT[level] is Recipient.COORDINATION else receiver.id
            kind = (
                TaskKind.APPOINTMENT_OUTCOME
                if level is EscalationLevel.APPOINTMENT_OUTCOME
                else TaskKind.ESCALATION
            )
            journey.add_task(kind, owner, paris_date(now), referral.id)
            await uow.journeys.save(journey)
    recipients = {
        Recipient.RECEIVER: receiver.contact_email,
        Recipient.MANAGER: receiver.manager_email or receiver.contact_email,
        Recipient.COORDINATION: await _coordination_email(uow, ctx),
    }[RECIPIENT[level]]
    return replace(base, escalated=True, recipients=(recipients,) if recipients else ())


async def expire_referral(uow: UnitOfWork, referral_id: uuid.UUID, ctx: PactContext) -> EscalationOutcome:
    """No answer by the expiry deadline: back to the sender. A retry re-sends the sender's e-mail only."""
    found = await uow.referrals.get(referral_id)
    if found is None:
        return EscalationOutcome(status="unknown", escalated=False)
    journey = await uow.journeys.get(found.jobseeker_id, ctx.coordination_org_id)  # lock order: person first
    referral = await uow.referrals.get(referral_id, for_update=True)
    assert journey is not None and referral is not None
    sender = await uow.directory.organisation(referral.sender_org_id)
    receiver = await uow.directory.organisation(referral.receiver_org_id)
    assert sender is not None and receiver is not None
    policy = await uow.policies.version(referral.policy_version)
    outcome = EscalationOutcome(
        status=referral.status.value,
        escalated=referral.status is ReferralStatus.EXPIRED,
        sender_name=sender.name,
        receiver_name=receiver.name,
        recipients=tuple(r for r in (sender.contact_email,) if r),
        submitted_on=paris_date(referral.submitted_at),
        expiry_days=policy.expiry_days,
    )
    # The coordination's condition is the expiry's: still no answer at all.
    if not escalation_applies(referral, EscalationLevel.COORDINATION):
        return outcome
    now = datetime.now(UTC)
    referral.expire(now=now, reorient_due=await _reorient_due(uow, referral, policy, now, ctx))
    await uow.referrals.save(referral)
    await _settle(uow, referral, journey, policy, now, ctx)
    return replace(outcome, status=referral.status.value, escalated=True)


@dataclass(frozen=True)
class ReturnedNotice:
    sender_name: str
    receiver_name: str
    recipients: tuple[str, ...]
    returned_on: date
    reorient_by: date
    reorient_days: int


async def returned_referral_notice(uow: UnitOfWork, referral_id: uuid.UUID) -> ReturnedNotice | None:
    """What the sender of a returned referral is told: organisations and dates, never the person."""

    referral = await uow.referrals.get(referral_id)
    if referral is None or referral.status is not ReferralStatus.REFUSED:
        return None
    sender = await uow.directory.organisation(referral.sender_org_id)
    receiver = await uow.directory.organisation(referral.receiver_org_id)
    task = await uow.tasks.of_referral(referral_id, TaskKind.REORIENT)
    if sender is None or receiver is None or task is None or task.due is None:
        return None
    policy = await uow.policies.version(referral.policy_version)
    return ReturnedNotice(
        sender.name,
        receiver.name,
        tuple(r for r in (sender.contact_email,) if r),
        paris_date(task.created_at),
        task.due,
        policy.reorient_days,
    )


# ------------------------------------------------------------------ helpers
async def _settle(
    uow: UnitOfWork,
    referral: Referral,
    journey: Journey,
    policy: ReferralPolicy,
    now: datetime,
    ctx: PactContext,
) -> None:
    """Moves the journey with the referral's new events, in the same transaction (DOMAIN rules 1, 5, 6)."""
    unaccompanied_due = add_working_days(paris_date(now), policy.unaccompanied_days, ctx.departement)
    receiver = await uow.directory.organisation(referral.receiver_org_id)
    takes_over = receiver is None or receiver.kind not in STEP_ONLY_KINDS
    for event in list(referral.events):
        obsolete = apply_to_journey(
            journey, event, now=now, unaccompanied_due=unaccompanied_due, receiver_takes_over=takes_over
        )
        for other_id in obsolete:
            other = await uow.referrals.get(other_id, for_update=True)
            if other is not None and other.is_open:
                other.make_obsolete(cause="another_referral_accepted", now=now)
                await uow.referrals.save(other)
                for other_event in other.events:
                    apply_to_journey(journey, other_event, now=now, unaccompanied_due=unaccompanied_due)
    await uow.journeys.save(journey)


async def _reorient_due(
    uow: UnitOfWork, referral: Referral, policy: ReferralPolicy, now: datetime, ctx: PactContext
) -> date:
    sender = await uow.directory.organisation(referral.sender_org_id)
    return add_working_days(
        paris_date(now), policy.reorient_days, sender.departement if sender else ctx.departement
    )


async def _coordination_email(uow: UnitOfWork, ctx: PactContext) -> str | None:
    coordination = await uow.directory.organisation(ctx.coordination_org_id)
    return coordination.contact_email if coordination else None
