"""Repositories of the insertion offer (data·inclusion services) and of the people's needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from relais_referral.db.models import (
    JobseekerRow,
    JourneyMemberRow,
    NeedRow,
    OfferServiceRow,
    OrganisationRow,
)
from relais_referral.domain.offer import ALL_PUBLICS, NATIONWIDE, Nearness
from relais_referral.territory import Place


@dataclass(frozen=True)
class Suggestion:
    service: OfferServiceRow
    organisation_name: str
    organisation_full: bool
    nearness: Nearness
    distance_km: float | None


def _codes(values: Sequence[str] | frozenset[str]) -> object:
    return cast(sorted(values), ARRAY(String))


def suggestions_query(
    *,
    thematiques: Sequence[str],
    publics: frozenset[str],
    place: Place,
    near: tuple[float, float] | None,
    limit: int,
) -> object:
    """The services answering a need, eligible for the person, best first — one statement.

    Order: available before full (the service's or its organisation's capacity), then nearness to the
    person (same commune, same intercommunality, same département, elsewhere: from the site, else from
    the eligibility zone), then distance when a point is given and the site has coordinates, then name.
    """
    s = OfferServiceRow
    communes, epcis, deps = place.communes, place.epcis, place.departements
    by_site = case(
        (s.code_insee.in_(communes), int(Nearness.SAME_COMMUNE)),
        (s.epci.in_(epcis), int(Nearness.SAME_EPCI)),
        (s.departement.in_(deps), int(Nearness.SAME_DEPARTEMENT)),
        else_=int(Nearness.ELSEWHERE),
    )
    by_zone = case(
        (s.zone.op("&&")(_codes(communes)), int(Nearness.SAME_COMMUNE)),
        (s.zone.op("&&")(_codes(epcis)), int(Nearness.SAME_EPCI)),
        (s.zone.op("&&")(_codes(deps)), int(Nearness.SAME_DEPARTEMENT)),
        else_=int(Nearness.ELSEWHERE),
    )
    nearness = case((s.code_insee.is_not(None), by_site), else_=by_zone).label("nearness")
    full = or_(s.capacity_status == "full", OrganisationRow.capacity_status == "full").label("full")
    if near is not None:
        # Equirectangular distance: exact enough within a metropolis, and no PostGIS to install.
        lat, lon = near
        dx = (s.longitude - lon) * func.cos(func.radians((s.latitude + lat) / 2))
        dy = s.latitude - lat
        distance = (func.sqrt(dx * dx + dy * dy) * 111.195).label("distance_km")
    else:
        distance = cast(literal(None), Float).label("distance_km")
    stmt = (
        select(s, OrganisationRow.name, full, nearness, distance)
        .join(OrganisationRow, OrganisationRow.id == s.organisation_id)
        .where(s.thematiques.op("&&")(_codes(thematiques)))
        .where(
            or_(
                func.cardinality(s.publics) == 0,
                s.publics.op("&&")(_codes(publics | {ALL_PUBLICS})),
            )
        )
    )
    if place.known:  # a person whose postcode is unknown to the official list: no zone to judge on
        stmt = stmt.where(
            or_(func.cardinality(s.zone) == 0, s.zone.op("&&")(_codes(place.codes() | NATIONWIDE)))
        )
    return stmt.order_by(full, nearness, distance.asc().nulls_last(), s.name, s.id).limit(limit)


class OfferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, service_id: uuid.UUID, *, for_update: bool = False) -> OfferServiceRow | None:
        stmt = select(OfferServiceRow).where(OfferServiceRow.id == service_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def add(self, row: OfferServiceRow) -> None:
        self.session.add(row)

    async def all(self) -> list[OfferServiceRow]:
        rows = await self.session.execute(select(OfferServiceRow).order_by(OfferServiceRow.id))
        return list(rows.scalars())

    async def organisations(self) -> list[OrganisationRow]:
        rows = await self.session.execute(select(OrganisationRow).order_by(OrganisationRow.id))
        return list(rows.scalars())

    async def suggestions(
        self,
        *,
        thematiques: Sequence[str],
        publics: frozenset[str],
        place: Place,
        near: tuple[float, float] | None,
        limit: int,
    ) -> list[Suggestion]:
        stmt = suggestions_query(
            thematiques=thematiques, publics=publics, place=place, near=near, limit=limit
        )
        rows = await self.session.execute(stmt)  # type: ignore[call-overload]
        return [
            Suggestion(
                service=row[0],
                organisation_name=row[1],
                organisation_full=bool(row[2]),
                nearness=Nearness(row[3]),
                distance_km=None if row[4] is None else round(float(row[4]), 1),
            )
            for row in rows
        ]


class NeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: NeedRow) -> None:
        self.session.add(row)

    async def get(
        self, jobseeker_id: uuid.UUID, need_id: uuid.UUID, *, for_update: bool = False
    ) -> NeedRow | None:
        stmt = select(NeedRow).where(NeedRow.id == need_id, NeedRow.jobseeker_id == jobseeker_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def open_for(self, jobseeker_id: uuid.UUID, thematique: str) -> NeedRow | None:
        stmt = select(NeedRow).where(
            NeedRow.jobseeker_id == jobseeker_id,
            NeedRow.thematique == thematique,
            NeedRow.lifted_on.is_(None),
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_person(self, jobseeker_id: uuid.UUID) -> list[NeedRow]:
        rows = await self.session.execute(
            select(NeedRow)
            .where(NeedRow.jobseeker_id == jobseeker_id)
            .order_by(NeedRow.identified_on, NeedRow.created_at)
        )
        return list(rows.scalars())

    async def follows(self, jobseeker: JobseekerRow, org_id: uuid.UUID) -> bool:
        """The référent and the follow-up group: who may see a person's health needs."""
        if jobseeker.referent_org_id == org_id:
            return True
        member = await self.session.get(JourneyMemberRow, (jobseeker.id, org_id))
        return member is not None and jobseeker.in_pact

    async def counts(self) -> list[tuple[str, int, int]]:
        """Needs by thematic: (thematic, open, lifted) — aggregates only, health included."""
        rows = await self.session.execute(
            select(
                NeedRow.thematique,
                func.count().filter(NeedRow.lifted_on.is_(None)),
                func.count().filter(NeedRow.lifted_on.is_not(None)),
            )
            .group_by(NeedRow.thematique)
            .order_by(NeedRow.thematique)
        )
        return [(t, int(o), int(lifted)) for t, o, lifted in rows.all()]
