"""A person's needs (freins) and the services of the directory that answer them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from relais_referral.api.deps import Caller, Places, Sessions, Uow, audited_refusals, require_roles
from relais_referral.api.schemas_offer import LiftIn, NeedIn, NeedOut, SuggestionOut, SuggestionsOut
from relais_referral.service_layer import needs as handlers
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/jobseekers/{jobseeker_id}/needs", tags=["besoins"], responses=PROBLEM_RESPONSES
)


@router.get(
    "",
    dependencies=[require_roles("counsellor")],
    summary="Besoins de la personne, levés compris (historique)",
    description="Un besoin de santé n'est visible que du référent et du groupe de suivi.",
)
async def list_needs(
    jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, uow: Uow
) -> list[NeedOut]:
    async with (
        audited_refusals(
            sessions, principal, action="read_needs", resource_type="jobseeker", resource_id=str(jobseeker_id)
        ),
        uow,
    ):
        return [NeedOut.of(n) for n in await handlers.needs_of(uow, principal, jobseeker_id)]


@router.post(
    "",
    dependencies=[require_roles("counsellor")],
    status_code=status.HTTP_201_CREATED,
    summary="Identifier un besoin (thématique ou catégorie data·inclusion)",
)
async def post_need(
    jobseeker_id: uuid.UUID, body: NeedIn, principal: Caller, sessions: Sessions, uow: Uow, places: Places
) -> NeedOut:
    async with (
        audited_refusals(
            sessions,
            principal,
            action="need_identified",
            resource_type="jobseeker",
            resource_id=str(jobseeker_id),
        ),
        uow,
    ):
        row = await handlers.identify_need(
            uow,
            principal,
            handlers.IdentifyNeed(jobseeker_id, body.thematique, body.identified_on),
            places,
        )
        return NeedOut.of(row)


@router.post(
    "/{need_id}/lift",
    dependencies=[require_roles("counsellor")],
    summary="Lever un besoin",
)
async def lift_need(
    jobseeker_id: uuid.UUID, need_id: uuid.UUID, body: LiftIn, principal: Caller, sessions: Sessions, uow: Uow
) -> NeedOut:
    async with (
        audited_refusals(
            sessions,
            principal,
            action="need_lifted",
            resource_type="jobseeker",
            resource_id=str(jobseeker_id),
        ),
        uow,
    ):
        row = await handlers.lift_need(
            uow, principal, handlers.LiftNeed(jobseeker_id, need_id, body.lifted_on)
        )
        return NeedOut.of(row)


@router.get(
    "/{need_id}/suggestions",
    dependencies=[require_roles("counsellor")],
    summary="Services qui répondent au besoin, les plus proches d'abord, complets en dernier",
    description=(
        "Services dont une thématique répond au besoin, ouverts aux publics de la personne et à son "
        "territoire (zone d'éligibilité), classés : disponibles avant complets, puis même commune, même "
        "intercommunalité (EPCI), même département, ailleurs ; puis distance au point `lat`/`lon` s'il est "
        "donné et que le lieu d'accueil a des coordonnées ; puis nom."
    ),
)
async def suggestions(
    jobseeker_id: uuid.UUID,
    need_id: uuid.UUID,
    principal: Caller,
    sessions: Sessions,
    uow: Uow,
    places: Places,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SuggestionsOut:
    near = (lat, lon) if lat is not None and lon is not None else None
    async with (
        audited_refusals(
            sessions, principal, action="read_needs", resource_type="jobseeker", resource_id=str(jobseeker_id)
        ),
        uow,
    ):
        found = await handlers.suggest_services(
            uow, principal, jobseeker_id, need_id, places, near=near, limit=limit
        )
        return SuggestionsOut(need=NeedOut.of(found.need), items=[SuggestionOut.of(s) for s in found.items])
