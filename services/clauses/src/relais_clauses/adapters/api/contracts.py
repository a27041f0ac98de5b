"""``/v1/contracts``: contracts (or lots) and their clause obligation, with their progress."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import (
    CLAUSE_ROLES,
    Amount,
    HoursValue,
    Siret,
    Text,
    is_coordination,
    settings_of,
    today,
    uow_of,
)
from relais_clauses.adapters.db.models import ContractRow, OperationRow
from relais_clauses.domain.progress import PenaltyRule
from relais_clauses.service_layer.contracts import NewContract, create_contract
from relais_clauses.service_layer.monitoring import Overdue, overdue_declarations
from relais_clauses.service_layer.perimeter import contract_for
from relais_clauses.service_layer.progress import Progress, contract_progress
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class PartyIn(BaseModel):
    role: Literal["co_contractor", "subcontractor"]
    name: Text
    siret: Siret


class ContractIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "operation_id": "5d1c0a7e-0000-4000-8000-000000000001",
                    "reference": "2026-MET-041",
                    "lot": "Lot 3 — gros œuvre",
                    "legal_basis": "execution_condition",
                    "amount": "1850000",
                    "starts_on": "2026-02-01",
                    "ends_on": "2027-07-31",
                    "contractor_org_id": "5d1c0a7e-0000-4000-8000-000000000002",
                    "contractor_siret": "73282932000074",
                    "facilitator_org_id": "5d1c0a7e-0000-4000-8000-000000000003",
                    "hours_required": "3500",
                    "hours_mandatory": "2800",
                    "penalty_rule": "per_missing_hour",
                    "penalty_hourly_amount": "45",
                }
            ]
        },
    )
    operation_id: uuid.UUID
    reference: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")]
    lot: Text | None = None
    legal_basis: Literal["execution_condition", "award_criterion", "reserved"] = Field(
        description="L2112-2 (condition d'exécution), R2152-7 (critère d'attribution), "
        "L2113-12/13 (marché réservé)"
    )
    amount: Amount
    starts_on: date
    ends_on: date
    contractor_org_id: uuid.UUID
    contractor_siret: Siret
    facilitator_org_id: uuid.UUID
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)
    hours_required: HoursValue
    hours_mandatory: HoursValue
    reporting_period: Literal["month", "quarter"] = "month"
    schedule: list[tuple[date, HoursValue]] | None = Field(
        default=None, description="Heures cumulées attendues par date"
    )
    penalty_rule: PenaltyRule = PenaltyRule.PER_MISSING_HOUR
    penalty_hourly_amount: Annotated[Decimal, Field(ge=0, le=10_000, decimal_places=2)] = Decimal("0")
    penalty_cap_share: Annotated[Decimal, Field(ge=0, le=1)] | None = None


class ProgressOut(BaseModel):
    required: Decimal
    mandatory: Decimal
    realised: Decimal
    own: Decimal
    received_by_pooling: Decimal
    expected_to_date: Decimal
    at_risk: bool
    by_mode: dict[str, Decimal]
    participants: int
    work_contracts: int


class OverdueDeclarationOut(BaseModel):
    period: date = Field(description="Premier jour du mois (ou du trimestre) non déclaré")
    reminded_on: date = Field(description="Jour où le suivi a enregistré la relance")
    work_contracts: int = Field(description="Contrats de travail de la période encore sans heures déclarées")


class ContractOut(BaseModel):
    id: uuid.UUID
    operation_id: uuid.UUID
    reference: str
    lot: str | None
    legal_basis: str
    amount: Decimal
    starts_on: date
    ends_on: date
    contractor_org_id: uuid.UUID
    contractor_siret: str
    facilitator_org_id: uuid.UUID
    parties: list[dict[str, Any]]
    reporting_period: str
    penalty_rule: str
    penalty_hourly_amount: Decimal = Field(description="Montant par heure manquante (€)")
    penalty_cap_share: Decimal | None = Field(description="Plafond, en part du montant du marché")
    operation_name: str = ""
    buyer_org_id: uuid.UUID | None = None
    progress: ProgressOut | None = None
    overdue_declarations: list[OverdueDeclarationOut] = Field(
        default_factory=list,
        description="Périodes relancées (heures non déclarées dans le délai) et toujours pas déclarées,"
        " la plus ancienne d'abord ; une période déclarée depuis la relance n'y figure plus",
    )
    overdue_periods: int = Field(default=0, description="Nombre de ces périodes")

    @classmethod
    def of(
        cls,
        row: ContractRow,
        progress: Progress | None = None,
        operation: OperationRow | None = None,
        overdue: list[Overdue] | None = None,
    ) -> ContractOut:
        out = cls.model_validate(row, from_attributes=True)
        if operation is not None:
            out.operation_name, out.buyer_org_id = operation.name, operation.buyer_org_id
        if progress is not None:
            out.progress = ProgressOut.model_validate(progress, from_attributes=True)
        if overdue:
            out.overdue_declarations = [OverdueDeclarationOut.model_validate(o.__dict__) for o in overdue]
            out.overdue_periods = len(overdue)
        return out


@router.post(
    "/contracts",
    dependencies=[require_roles("buyer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer un marché (ou un lot) et son obligation d'insertion",
)
async def post_contract(body: ContractIn, request: Request, principal: CurrentPrincipal) -> ContractOut:
    fields = body.model_dump()
    fields["parties"] = [p.model_dump() for p in body.parties]
    async with uow_of(request) as uow:
        row = await create_contract(uow, principal, NewContract(**fields))
        return ContractOut.of(row, operation=await uow.db.operation(row.operation_id))


@router.get(
    "/contracts",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Marchés de son périmètre, avec l'avancement des heures et les déclarations en retard",
)
async def list_contracts(request: Request, principal: CurrentPrincipal) -> list[ContractOut]:
    coordination = is_coordination(request, principal)
    async with uow_of(request) as uow:
        rows = await uow.db.contracts_in_perimeter(principal, coordination)
        overdue = await overdue_declarations(uow, rows)
        return [
            ContractOut.of(
                r,
                await contract_progress(uow, r, today()),
                await uow.db.operation(r.operation_id),
                overdue[r.id],
            )
            for r in rows
        ]


@router.get(
    "/contracts/{contract_id}",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Un marché, son obligation, l'avancement (réalisé, attendu à date, en risque) et les périodes"
    " relancées toujours pas déclarées",
)
async def get_contract(contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> ContractOut:
    async with uow_of(request) as uow:
        row, _ = await contract_for(uow, principal, contract_id, settings_of(request).coordination_org_id)
        return ContractOut.of(
            row,
            await contract_progress(uow, row, today()),
            await uow.db.operation(row.operation_id),
            (await overdue_declarations(uow, [row]))[row.id],
        )
