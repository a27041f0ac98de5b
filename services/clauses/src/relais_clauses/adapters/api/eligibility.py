"""``/v1/participants/{id}/eligibility`` and ``/v1/eligibility-decisions``: the facilitator's decisions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import Reference, settings_of, uow_of
from relais_clauses.domain.eligibility import CRITERIA_LABELS_FR, Criterion, EligibilityPolicy, ProofMethod
from relais_clauses.service_layer.participants import EligibilityRequest, decide_eligibility
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class ProofIn(BaseModel):
    criterion: Criterion
    method: ProofMethod
    proved_on: date
    reference: Reference = Field(description="Référence de la pièce ou de l'attestation (jamais son contenu)")


class EligibilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decided_on: date
    proofs: list[ProofIn] = Field(min_length=1, max_length=15)
    sex: Literal["F", "M"] | None = None
    age_band: Literal["under_26", "26_49", "50_plus"] | None = None
    qpv_resident: bool | None = None
    prescriber_org_id: uuid.UUID | None = None
    prescriber_kind: Literal["france_travail", "mission_locale", "maison_emploi", "cap_emploi"] | None = None


class EligibilityOut(BaseModel):
    id: uuid.UUID
    participant_id: uuid.UUID
    decided_on: date
    valid_until: date
    criteria: list[str]
    criteria_labels: list[str]


@router.post(
    "/participants/{participant_id}/eligibility",
    dependencies=[require_roles("facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Valider l'éligibilité d'un participant avant son embauche",
    description="`participant_id` est l'identifiant de la personne dans le service des orientations.",
)
async def post_eligibility(
    participant_id: uuid.UUID, body: EligibilityIn, request: Request, principal: CurrentPrincipal
) -> EligibilityOut:
    settings = settings_of(request)
    policy = EligibilityPolicy(settings.proof_months, settings.qpv_proof_months, settings.eligibility_months)
    async with uow_of(request) as uow:
        row = await decide_eligibility(
            uow,
            principal,
            EligibilityRequest(
                participant_id=participant_id,
                decided_on=body.decided_on,
                proofs=[(p.criterion.value, p.method.value, p.proved_on, p.reference) for p in body.proofs],
                sex=body.sex,
                age_band=body.age_band,
                qpv_resident=body.qpv_resident,
                prescriber_org_id=body.prescriber_org_id,
                prescriber_kind=body.prescriber_kind,
            ),
            policy,
        )
        return EligibilityOut(
            id=row.id,
            participant_id=row.participant_id,
            decided_on=row.decided_on,
            valid_until=row.valid_until,
            criteria=row.criteria,
            criteria_labels=[CRITERIA_LABELS_FR[Criterion(c)] for c in row.criteria],
        )


class ProofOut(BaseModel):
    criterion: str
    method: str
    proved_on: date


class DecisionOut(EligibilityOut):
    proofs: list[ProofOut] = Field(description="Critère, mode de preuve et date (jamais la pièce)")
    prescriber_org_id: uuid.UUID | None
    revoked_on: date | None


class DecisionPage(BaseModel):
    total: int
    items: list[DecisionOut]


@router.get(
    "/eligibility-decisions",
    dependencies=[require_roles("facilitator")],
    summary="Les décisions d'éligibilité prises par sa structure (les plus récentes d'abord)",
)
async def list_decisions(
    request: Request,
    principal: CurrentPrincipal,
    participant_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DecisionPage:
    async with uow_of(request) as uow:
        total, rows = await uow.db.decisions_of_facilitator(principal.org_id, participant_id, limit, offset)
        return DecisionPage(
            total=total,
            items=[
                DecisionOut(
                    id=r.id,
                    participant_id=r.participant_id,
                    decided_on=r.decided_on,
                    valid_until=r.valid_until,
                    criteria=r.criteria,
                    criteria_labels=[CRITERIA_LABELS_FR[Criterion(c)] for c in r.criteria],
                    proofs=[
                        ProofOut(criterion=p["criterion"], method=p["method"], proved_on=p["proved_on"])
                        for p in r.proofs
                    ],
                    prescriber_org_id=r.prescriber_org_id,
                    revoked_on=r.revoked_on,
                )
                for r in rows
            ],
        )
