"""Journey handlers: registration, référent changes, life events, exit, unaccompanied detection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from relais_referral.db.models import JobseekerRow
from relais_referral.domain.calendar import add_working_days, paris_date
from relais_referral.domain.deadlines import add_months
from relais_referral.domain.errors import InvalidReferral, NotAllowed
from relais_referral.domain.journey import STEP_ONLY_KINDS, Journey, JourneyEntry, LifeEvent, TaskKind
from relais_referral.domain.referral import NOT_RECEIVING
from relais_referral.domain.situations import FOLLOW_UP_MONTHS
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.auth import Principal


@dataclass(frozen=True)
class RegisterJobseeker:
    first_name: str
    last_name: str
    birth_date: date | None
    postcode: str
    qpv_resident: bool | None
    email: str | None = None
    phone: str | None = None
    sex: str | None = None
    education_level: str | None = None
    nationality_category: str | None = None
    situation: tuple[str, ...] = ()
    information_given: bool = True


async def register_jobseeker(uow: UnitOfWork, principal: Principal, cmd: RegisterJobseeker) -> JobseekerRow:
    """The registering organisation becomes the person's référent de parcours."""
    if not principal.has_role("counsellor"):
        raise NotAllowed("Seuls des conseillers inscrivent des personnes.")
    now = datetime.now(UTC)
    row = JobseekerRow(
        id=uuid.uuid4(),
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        birth_date=cmd.birth_date,
        email=cmd.email,
        phone=cmd.phone,
        postcode=cmd.postcode,
        qpv_resident=cmd.qpv_resident,
        sex=cmd.sex,
        education_level=cmd.education_level,
        nationality_category=cmd.nationality_category,
        situation=list(cmd.situation),
        referent_org_id=principal.org_id,
        in_pact=True,
        information_given_at=now if cmd.information_given else None,
        created_by=principal.sub,
    )
    await uow.jobseekers.add(row)
    await uow.audit(
        principal,
        action="create",
        resource_type="jobseeker",
        resource_id=str(row.id),
    )
    return row


async def load_journey(
    uow: UnitOfWork, principal: Principal | None, jobseeker_id: uuid.UUID, ctx: PactContext
) -> Journey:
    journey = await uow.journeys.get(jobseeker_id, ctx.coordination_org_id)
    if journey is None:
        raise NotFound("jobseeker")
    if principal is not None and principal.org_id != ctx.coordination_org_id:
        person = await uow.jobseekers.get(jobseeker_id)
        assert person is not None
        if not await uow.jobseekers.visible_to(person, principal.org_id):
            raise NotFound("jobseeker")
    return journey


async def release(
    uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID, ctx: PactContext
) -> Journey:
    _counsellor(principal)
    journey = await load_journey(uow, principal, jobseeker_id, ctx)
    now = datetime.now(UTC)
    policy = await uow.policies.current("*")
    journey.release(
        by_org_id=principal.org_id,
        now=now,
        unaccompanied_due=add_working_days(paris_date(now), policy.unaccompanied_days, ctx.departement),
    )
    await uow.journeys.save(journey)
    await _audit(uow, principal, "release", jobseeker_id)
    return journey


async def assign_referent(
    uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID, org_id: uuid.UUID, ctx: PactContext
) -> Journey:
    if principal.org_id != ctx.coordination_org_id or not principal.has_role("coordinator", "admin"):
        raise NotAllowed("Seule la coordination du pacte désigne un référent.")
    journey = await load_journey(uow, None, jobseeker_id, ctx)
    now = datetime.now(UTC)
    policy = await uow.policies.current("*")
    referent = await uow.directory.organisation(org_id)
    if referent is None:
        raise InvalidReferral("Cette structure n'est pas dans l'annuaire du pacte.")
    if referent.kind in STEP_ONLY_KINDS | NOT_RECEIVING:
        raise InvalidReferral(
            "Cette structure n'accompagne pas de parcours (un organisme de formation ou un employeur prend "
            "la personne en charge pour une étape) : désignez une structure d'accompagnement."
        )
    # Contacted within the delay of a referral's acknowledgement, on the référent's calendar.
    contact_due = add_working_days(paris_date(now), policy.acknowledgement_days, referent.departement)
    journey.assign_referent(org_id=org_id, now=now, contact_due=contact_due)
    await uow.journeys.save(journey)
    await _audit(uow, principal, "assign_referent", jobseeker_id)
    return journey


async def exit_pact(
    uow: UnitOfWork, principal: Principal | None, jobseeker_id: uuid.UUID, outcome: str, ctx: PactContext
) -> Journey:
    if principal is not None:
        _counsellor(principal)
    journey = await load_journey(uow, principal, jobseeker_id, ctx)
    now = datetime.now(UTC)
    ended = journey.exit(
        outcome=outcome,
        now=now,
        by_org_id=principal.org_id if principal else None,
        follow_ups=[add_months(paris_date(now), m) for m in FOLLOW_UP_MONTHS],
    )
    await _make_obsolete(uow, journey, ended, "exit", now)
    # The accompaniments under way end with the exit, its situation as their outcome: a referral taken
    # in charge would otherwise read « Prise en charge » for ever in both organisations' lists.
    for referral in await uow.referrals.accepted_for(jobseeker_id):
        referral.close(by_org_id=referral.receiver_org_id, outcome=outcome, now=now)
        await uow.referrals.save(referral)
        journey.referral_closed(referral.id, referral.receiver_org_id, outcome, now)
    await uow.journeys.save(journey)
    await _audit(uow, principal, "exit", jobseeker_id)
    return journey


async def record_exit_follow_up(
    uow: UnitOfWork,
    principal: Principal,
    jobseeker_id: uuid.UUID,
    horizon_months: int,
    situation: str,
    ctx: PactContext,
) -> Journey:
    """The référent's answer at +3, +6 or +12 months; its event commits with it (outbox)."""
    _counsellor(principal)
    journey = await load_journey(uow, principal, jobseeker_id, ctx)
    journey.record_follow_up(
        horizon_months=horizon_months, situation=situation, by_org_id=principal.org_id, now=datetime.now(UTC)
    )
    await uow.journeys.save(journey)
    await _audit(uow, principal, "exit_follow_up", jobseeker_id)
    return journey


async def record_life_event(
    uow: UnitOfWork,
    principal: Principal | None,
    jobseeker_id: uuid.UUID,
    kind: LifeEvent,
    ctx: PactContext,
    *,
    contract_type: str | None = None,
    weekly_hours: float | None = None,
    event_id: uuid.UUID | None = None,
) -> Journey:
    """From a counsellor, or from another service's event (principal None: hired, training abandoned)."""
    if principal is not None:
        _counsellor(principal)
    journey = await load_journey(uow, principal, jobseeker_id, ctx)
    now = datetime.now(UTC)
    policy = await uow.policies.current("*")
    too_long = contract_type is not None and len(contract_type) > 20
    if too_long or (weekly_hours is not None and not 0 <= weekly_hours <= 48):
        raise InvalidReferral(
            "Le type de contrat tient en 20 caractères au plus et la durée hebdomadaire va de 0 à 48 heures."
        )
    today = paris_date(now)
    ended = journey.life_event(
        kind,
        now=now,
        contract_type=contract_type,
        weekly_hours=weekly_hours,
        event_id=event_id,
        by_org_id=principal.org_id if principal is not None else None,
        reorient_due=add_working_days(today, policy.reorient_days, ctx.departement),
        unaccompanied_due=add_working_days(today, policy.unaccompanied_days, ctx.departement),
    )
    await _make_obsolete(uow, journey, ended, kind.value, now)
    await uow.journeys.save(journey)
    await _audit(uow, principal, "life_event", jobseeker_id)
    return journey


async def mark_unaccompanied(
    uow: UnitOfWork,
    jobseeker_id: uuid.UUID,
    since: date,
    working_days: int,
    event_id: uuid.UUID,
    ctx: PactContext,
) -> bool:
    """Called by the journey workflow when its timer rings; publishes only if still nobody is responsible."""
    if await uow.outbox_has(event_id):
        return False
    journey = await uow.journeys.get(jobseeker_id, ctx.coordination_org_id)
    if journey is None:
        return False
    return journey.report_unaccompanied(
        since=since, working_days=working_days, now=datetime.now(UTC), event_id=event_id
    )


async def _make_obsolete(
    uow: UnitOfWork, journey: Journey, referral_ids: list[uuid.UUID], cause: str, now: datetime
) -> None:
    for referral_id in referral_ids:
        referral = await uow.referrals.get(referral_id, for_update=True)
        if referral is not None and referral.is_open:
            referral.make_obsolete(cause=cause, now=now)
            await uow.referrals.save(referral)
            journey.history.append(
                JourneyEntry(now, "referral_obsolete", referral.receiver_org_id, referral.id, cause)
            )


async def _audit(uow: UnitOfWork, principal: Principal | None, action: str, jobseeker_id: uuid.UUID) -> None:
    """Every write to a person's journey is audited (who, which organisation, what, when)."""
    if principal is not None:
        await uow.audit(
            principal,
            action=action,
            resource_type="journey",
            resource_id=str(jobseeker_id),
        )


def _counsellor(principal: Principal) -> None:
    if not principal.has_role("counsellor"):
        raise NotAllowed("Seuls des conseillers agissent sur le parcours d'une personne.")


@dataclass(frozen=True)
class JourneyContacts:
    """Whom to tell about a journey, without personal data: organisations and dates only."""

    referent_name: str | None
    referent_email: str | None
    coordination_email: str | None
    exited_on: date | None
    last_referral_id: uuid.UUID | None
    follow_up_open: bool = False


async def journey_contacts(uow: UnitOfWork, jobseeker_id: uuid.UUID, ctx: PactContext) -> JourneyContacts:
    person = await uow.jobseekers.get(jobseeker_id)
    referent = (
        await uow.directory.organisation(person.referent_org_id)
        if person and person.referent_org_id
        else None
    )
    coordination = await uow.directory.organisation(ctx.coordination_org_id)
    exited_at = await uow.jobseekers.last_exit_at(jobseeker_id)
    return JourneyContacts(
        referent_name=referent.name if referent else None,
        referent_email=referent.contact_email if referent else None,
        coordination_email=coordination.contact_email if coordination else None,
        exited_on=paris_date(exited_at) if exited_at else None,
        last_referral_id=await uow.jobseekers.last_referral_id(jobseeker_id),
        follow_up_open=await uow.tasks.open_of_person(
            jobseeker_id, TaskKind.OUTCOME_FOLLOW_UP, due_by=paris_date(datetime.now(UTC))
        ),
    )
