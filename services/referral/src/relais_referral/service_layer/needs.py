"""A person's needs (freins): identified, lifted, and matched to the services of the directory.

Who sees what: a need is seen by every organisation that sees the person; a health need (GDPR art. 9)
only by the référent and the follow-up group. Events carry codes and categorical axes, never a health
need.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from relais_referral.db.models import JobseekerRow, NeedRow
from relais_referral.db.offer import Suggestion
from relais_referral.domain.calendar import paris_date
from relais_referral.domain.errors import DomainError, NotAllowed
from relais_referral.domain.jobseeker import age_band
from relais_referral.domain.offer import (
    category_of,
    is_health,
    is_need_code,
    person_publics,
    thematics_answering,
)
from relais_referral.events.contracts import JobseekerNeedIdentifiedV1, JobseekerNeedLiftedV1
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_referral.territory import Territory
from relais_shared.auth import Principal
from relais_shared.errors import Conflict

EARLIEST = date(2000, 1, 1)


class InvalidNeed(DomainError):
    """A need code outside the data·inclusion vocabulary, or a date that cannot be."""


@dataclass(frozen=True)
class IdentifyNeed:
    jobseeker_id: uuid.UUID
    thematique: str
    identified_on: date | None = None


@dataclass(frozen=True)
class LiftNeed:
    jobseeker_id: uuid.UUID
    need_id: uuid.UUID
    lifted_on: date | None = None


async def _person(uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID) -> JobseekerRow:
    if not principal.has_role("counsellor"):
        raise NotAllowed("Seuls des conseillers lisent et enregistrent les besoins d'une personne.")
    person = await uow.jobseekers.get(jobseeker_id)
    if person is None or not await uow.jobseekers.visible_to(person, principal.org_id):
        raise NotFound("jobseeker")
    return person


def _checked_day(day: date | None, *, not_before: date = EARLIEST) -> date:
    today = paris_date(datetime.now(UTC))
    day = day or today
    if day > today:
        raise InvalidNeed("la date ne peut pas être dans le futur")
    if day < not_before:
        raise InvalidNeed(f"la date ne peut pas précéder le {not_before.isoformat()}")
    return day


async def identify_need(
    uow: UnitOfWork, principal: Principal, cmd: IdentifyNeed, territory: Territory
) -> NeedRow:
    person = await _person(uow, principal, cmd.jobseeker_id)
    if not is_need_code(cmd.thematique):
        raise InvalidNeed(f"{cmd.thematique!r} n'est ni une thématique ni une catégorie data·inclusion")
    if is_health(cmd.thematique) and not await uow.needs.follows(person, principal.org_id):
        raise NotAllowed("Un besoin de santé n'est enregistré que par le référent ou le groupe de suivi.")
    identified_on = _checked_day(cmd.identified_on)
    if await uow.needs.open_for(person.id, cmd.thematique) is not None:
        raise Conflict("ce besoin est déjà identifié et n'est pas levé")
    row = NeedRow(
        id=uuid.uuid4(),
        jobseeker_id=person.id,
        thematique=cmd.thematique,
        identified_on=identified_on,
        identified_by_org_id=principal.org_id,
    )
    uow.needs.add(row)
    await uow.audit(
        principal, action="need_identified", resource_type="jobseeker", resource_id=str(person.id)
    )
    if not is_health(cmd.thematique):
        place = territory.place_of_postcode(person.postcode)
        uow.publish(
            JobseekerNeedIdentifiedV1(
                jobseeker_id=person.id,
                need_id=row.id,
                thematique=row.thematique,
                categorie=category_of(row.thematique),
                identified_on=identified_on,
                identified_by_org_id=principal.org_id,
                # Only when the postcode names one intercommunality / département (no guess).
                epci=next(iter(place.epcis)) if len(place.epcis) == 1 else None,
                departement=next(iter(place.departements)) if len(place.departements) == 1 else None,
                age_band=age_band(person.birth_date, identified_on),
                sex=person.sex,
                qpv_resident=person.qpv_resident,
            )
        )
    return row


async def lift_need(uow: UnitOfWork, principal: Principal, cmd: LiftNeed) -> NeedRow:
    person = await _person(uow, principal, cmd.jobseeker_id)
    need = await uow.needs.get(person.id, cmd.need_id, for_update=True)
    if need is None or (is_health(need.thematique) and not await uow.needs.follows(person, principal.org_id)):
        raise NotFound("need")
    if need.lifted_on is not None:
        raise Conflict("ce besoin est déjà levé")
    need.lifted_on = _checked_day(cmd.lifted_on, not_before=need.identified_on)
    need.lifted_by_org_id = principal.org_id
    await uow.audit(principal, action="need_lifted", resource_type="jobseeker", resource_id=str(person.id))
    if not is_health(need.thematique):
        uow.publish(
            JobseekerNeedLiftedV1(
                jobseeker_id=person.id,
                need_id=need.id,
                thematique=need.thematique,
                categorie=category_of(need.thematique),
                identified_on=need.identified_on,
                lifted_on=need.lifted_on,
                days_to_lift=(need.lifted_on - need.identified_on).days,
                lifted_by_org_id=principal.org_id,
            )
        )
    return need


async def needs_of(uow: UnitOfWork, principal: Principal, jobseeker_id: uuid.UUID) -> list[NeedRow]:
    """Every need of the person the caller may see, lifted ones included (the history), oldest first."""
    person = await _person(uow, principal, jobseeker_id)
    follows = await uow.needs.follows(person, principal.org_id)
    await uow.audit(principal, action="read_needs", resource_type="jobseeker", resource_id=str(person.id))
    return [n for n in await uow.needs.of_person(person.id) if follows or not is_health(n.thematique)]


@dataclass(frozen=True)
class Suggestions:
    need: NeedRow
    items: list[Suggestion]


async def suggest_services(
    uow: UnitOfWork,
    principal: Principal,
    jobseeker_id: uuid.UUID,
    need_id: uuid.UUID,
    territory: Territory,
    *,
    near: tuple[float, float] | None = None,
    limit: int = 20,
) -> Suggestions:
    """The directory's services answering the need, for the person's publics, nearest first, full last."""
    person = await _person(uow, principal, jobseeker_id)
    need = await uow.needs.get(person.id, need_id)
    if need is None or (is_health(need.thematique) and not await uow.needs.follows(person, principal.org_id)):
        raise NotFound("need")
    publics = person_publics(
        age_band=age_band(person.birth_date, paris_date(datetime.now(UTC))),
        sex=person.sex,
        qpv_resident=person.qpv_resident,
        situation=person.situation or (),
    )
    items = await uow.offer.suggestions(
        thematiques=thematics_answering(need.thematique),
        publics=publics,
        place=territory.place_of_postcode(person.postcode),
        near=near,
        limit=limit,
    )
    return Suggestions(need=need, items=items)
