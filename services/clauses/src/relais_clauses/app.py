"""HTTP API of the clauses service. Every endpoint declares its roles; perimeters are checked in the
handlers (a contractor sees its contracts, a buyer its operations, a facilitator the clauses it is in
charge of: anything else is a 404). No identity data is ever held or returned: a participant is the
referral service's jobseeker id and categorical attributes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, File, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses import monitoring, reports
from relais_clauses import service_layer as handlers
from relais_clauses.domain.counting import ContractType, CountingRules, Mode
from relais_clauses.domain.eligibility import CRITERIA_LABELS_FR, Criterion, EligibilityPolicy, ProofMethod
from relais_clauses.domain.progress import PenaltyRule
from relais_clauses.models import ContractRow, OperationRow
from relais_clauses.settings import ClausesSettings
from relais_shared.api import create_database_service_app
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES, Problem, problem_response

TITLE = "Relais — clauses sociales d'insertion"
DESCRIPTION = (
    "Suivi des clauses d'insertion des marchés publics : acheteurs, opérations, marchés et lots, obligations,"
    " éligibilité des participants, contrats de travail, heures réalisées, rapports. Erreurs au format"
    " RFC 9457 (`application/problem+json`)."
)
CLAUSE_ROLES = ("facilitator", "buyer", "employer", "coordinator")
router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Siret = Annotated[str, Field(min_length=14, max_length=17, pattern=r"^[0-9 ]+$")]
HoursValue = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=12, decimal_places=2)]


def _uow(request: Request) -> handlers.UnitOfWork:
    return handlers.UnitOfWork(request.app.state.sessions)


def _settings(request: Request) -> ClausesSettings:
    settings: ClausesSettings = request.app.state.settings
    return settings


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    training_ratio: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("1")
    flat_hours: dict[ContractType, HoursValue] = Field(default_factory=dict)
    cap_per_participant: HoursValue | None = None
    cap_per_mode: dict[Mode, HoursValue] = Field(default_factory=dict)


class RulesOut(RulesIn):
    buyer_org_id: uuid.UUID
    version: int


@router.post(
    "/counting-rules",
    dependencies=[require_roles("buyer")],
    status_code=status.HTTP_201_CREATED,
    summary="Publier une version des règles de comptage de l'acheteur",
)
async def post_rules(body: RulesIn, request: Request, principal: CurrentPrincipal) -> RulesOut:
    rules = CountingRules(
        training_ratio=body.training_ratio,
        flat_hours={k.value: v for k, v in body.flat_hours.items()},
        cap_per_participant=body.cap_per_participant,
        cap_per_mode={k.value: v for k, v in body.cap_per_mode.items()},
    )
    async with _uow(request) as uow:
        row = await handlers.publish_rules(uow, principal, rules)
        return RulesOut(buyer_org_id=row.buyer_org_id, version=row.version, **body.model_dump())


class OperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    buyer_org_id: uuid.UUID
    name: Text
    pooling_group: uuid.UUID | None = Field(default=None, description="Accord de globalisation")


class OperationOut(OperationIn):
    id: uuid.UUID


@router.post(
    "/operations",
    dependencies=[require_roles("buyer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer une opération d'un acheteur",
)
async def post_operation(body: OperationIn, request: Request, principal: CurrentPrincipal) -> OperationOut:
    async with _uow(request) as uow:
        row = await handlers.create_operation(
            uow, principal, buyer_org_id=body.buyer_org_id, name=body.name, pooling_group=body.pooling_group
        )
        return OperationOut(id=row.id, **body.model_dump())


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
    amount: Annotated[Decimal, Field(ge=0, le=10**11, max_digits=14, decimal_places=2)]
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
        progress: handlers.Progress | None = None,
        operation: OperationRow | None = None,
        overdue: list[monitoring.Overdue] | None = None,
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
    async with _uow(request) as uow:
        row = await handlers.create_contract(uow, principal, handlers.NewContract(**fields))
        return ContractOut.of(row, operation=await uow.db.operation(row.operation_id))


def _today() -> date:
    return datetime.now(UTC).astimezone(handlers.PARIS).date()


@router.get(
    "/contracts",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Marchés de son périmètre, avec l'avancement des heures et les déclarations en retard",
)
async def list_contracts(request: Request, principal: CurrentPrincipal) -> list[ContractOut]:
    coordination = (
        principal.has_role("coordinator") and principal.org_id == _settings(request).coordination_org_id
    )
    async with _uow(request) as uow:
        rows = await uow.db.contracts_in_perimeter(principal, coordination)
        overdue = await monitoring.overdue_declarations(uow, rows)
        return [
            ContractOut.of(
                r,
                await handlers.contract_progress(uow, r, _today()),
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
    async with _uow(request) as uow:
        row, _ = await handlers.contract_for(
            uow, principal, contract_id, _settings(request).coordination_org_id
        )
        return ContractOut.of(
            row,
            await handlers.contract_progress(uow, row, _today()),
            await uow.db.operation(row.operation_id),
            (await monitoring.overdue_declarations(uow, [row]))[row.id],
        )


class ProofIn(BaseModel):
    criterion: Criterion
    method: ProofMethod
    proved_on: date
    reference: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = Field(
        description="Référence de la pièce ou de l'attestation (jamais son contenu)"
    )


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
    settings = _settings(request)
    policy = EligibilityPolicy(settings.proof_months, settings.qpv_proof_months, settings.eligibility_months)
    async with _uow(request) as uow:
        row = await handlers.decide_eligibility(
            uow,
            principal,
            handlers.EligibilityRequest(
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


class HireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    mode: Mode
    contract_type: ContractType
    starts_on: date
    ends_on: date | None = None
    employer_siret: Siret
    weekly_hours: Annotated[Decimal, Field(gt=0, le=48)] | None = None


class WorkContractOut(BaseModel):
    id: uuid.UUID
    contract_id: uuid.UUID
    participant_id: uuid.UUID
    decision_id: uuid.UUID
    mode: str
    contract_type: str
    starts_on: date
    ends_on: date | None


@router.post(
    "/contracts/{contract_id}/work-contracts",
    dependencies=[require_roles("facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer l'embauche d'un participant (éligibilité validée à la date d'embauche)",
)
async def post_hire(
    contract_id: uuid.UUID, body: HireIn, request: Request, principal: CurrentPrincipal
) -> WorkContractOut:
    async with _uow(request) as uow:
        row = await handlers.hire(
            uow,
            principal,
            handlers.Hire(
                contract_id=contract_id,
                participant_id=body.participant_id,
                mode=body.mode.value,
                contract_type=body.contract_type.value,
                starts_on=body.starts_on,
                ends_on=body.ends_on,
                employer_siret=body.employer_siret,
                weekly_hours=body.weekly_hours,
            ),
            _settings(request).coordination_org_id,
        )
        return WorkContractOut.model_validate(row, from_attributes=True)


class HoursLineIn(BaseModel):
    work_contract_id: uuid.UUID
    period: date = Field(description="Premier jour du mois (ou du trimestre) déclaré")
    hours: HoursValue
    reference: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[HoursLineIn] = Field(min_length=1, max_length=5000)


class HoursReceipt(BaseModel):
    declared: int
    corrections: int


@router.post(
    "/contracts/{contract_id}/hours",
    dependencies=[require_roles("employer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Déclarer des heures (une nouvelle déclaration d'une période la corrige)",
)
async def post_hours(
    contract_id: uuid.UUID, body: HoursIn, request: Request, principal: CurrentPrincipal
) -> HoursReceipt:
    lines = [handlers.HoursLine(x.work_contract_id, x.period, x.hours, x.reference) for x in body.lines]
    async with _uow(request) as uow:
        rows = await handlers.declare_hours(
            uow, principal, contract_id, lines, _settings(request).coordination_org_id, _today()
        )
        return HoursReceipt(declared=len(rows), corrections=sum(1 for r in rows if r.version > 1))


MAX_FILE_BYTES = 5 * 1024 * 1024


@router.post(
    "/contracts/{contract_id}/hours/import",
    dependencies=[require_roles("employer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Importer les heures d'un fichier CSV ou XLSX (tout ou rien, chaque ligne fautive nommée)",
    description="Colonnes : `work_contract_id`, `period` (AAAA-MM), `hours`, `reference`.",
)
async def import_hours(
    contract_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="CSV (séparateur ; ou ,) ou XLSX")],
) -> HoursReceipt:
    content = await file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise Problem("validation-error", "fichier de plus de 5 Mo")
    try:
        numbers, lines, unreadable = reports.parse_hours_file(content, file.filename or "heures.csv")
    except reports.InvalidHoursFile as exc:
        raise Problem("validation-error", str(exc), exc.errors) from exc
    settings, today = _settings(request), _today()
    async with _uow(request) as uow:
        _, broken = await handlers.check_hours(
            uow, principal, contract_id, lines, settings.coordination_org_id, today
        )
        # lines.<i>.<field> becomes the file's row number and column, which is what the contractor can find;
        # the unreadable cells and the rules broken are listed together, in the file's order.
        errors = [*unreadable]
        for error in broken:
            _, index, name = error["field"].split(".", 2)
            errors.append({**error, "field": f"row {numbers[int(index)]} ({name})"})
        if errors:
            errors.sort(key=reports.row_number)
            raise Problem(
                "validation-error",
                f"{len(errors)} erreur(s) dans le fichier : rien n'a été importé.",
                errors,
            )
        rows = await handlers.declare_hours(
            uow, principal, contract_id, lines, settings.coordination_org_id, today
        )
        return HoursReceipt(declared=len(rows), corrections=sum(1 for r in rows if r.version > 1))


class ObligationStateOut(BaseModel):
    contract_id: uuid.UUID
    at_risk_since: date | None
    reconciled_on: date | None
    realised: Decimal | None
    missing: Decimal | None
    proposed_penalty: Decimal | None
    observations_due: date | None
    penalty_status: str | None
    final_penalty: Decimal | None
    observations_reference: str | None = None
    decided_on: date | None = None


class ObservationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = Field(
        description="Référence du courrier d'observations du titulaire"
    )


class PenaltyDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Annotated[Decimal, Field(ge=0, le=10**11, max_digits=14, decimal_places=2)]


@router.post(
    "/contracts/{contract_id}/penalty/observations",
    dependencies=[require_roles("employer")],
    summary="Le titulaire présente ses observations sur la pénalité proposée (procédure contradictoire)",
)
async def post_observations(
    contract_id: uuid.UUID, body: ObservationsIn, request: Request, principal: CurrentPrincipal
) -> ObligationStateOut:
    async with _uow(request) as uow:
        state = await monitoring.present_observations(
            uow, principal, contract_id, body.reference, _settings(request).coordination_org_id
        )
        return ObligationStateOut.model_validate(state, from_attributes=True)


@router.post(
    "/contracts/{contract_id}/penalty/decision",
    dependencies=[require_roles("buyer")],
    summary="L'acheteur arrête la pénalité, après les observations ou l'expiration de leur délai",
)
async def post_penalty_decision(
    contract_id: uuid.UUID, body: PenaltyDecisionIn, request: Request, principal: CurrentPrincipal
) -> ObligationStateOut:
    async with _uow(request) as uow:
        state = await monitoring.decide_penalty(
            uow, principal, contract_id, body.amount, _today(), _settings(request).coordination_org_id
        )
        return ObligationStateOut.model_validate(state, from_attributes=True)


@router.get(
    "/contracts/{contract_id}/obligation",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Ce que le suivi a constaté : en risque depuis, bilan de fin de marché, procédure de pénalité",
)
async def get_obligation(
    contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> ObligationStateOut:
    async with _uow(request) as uow:
        state = await monitoring.obligation_of(
            uow, principal, contract_id, _settings(request).coordination_org_id
        )
        return ObligationStateOut.model_validate(state, from_attributes=True)


class HireOut(WorkContractOut):
    hours_declared: Decimal = Field(description="Heures déclarées (dernière version de chaque période)")
    periods_declared: int
    last_period: date | None
    missing_periods: list[date] = Field(
        description="Périodes terminées du contrat de travail sans heures déclarées, la plus ancienne d'abord"
    )


@router.get(
    "/contracts/{contract_id}/work-contracts",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Les contrats de travail des participants sur ce marché, et leurs heures déclarées",
)
async def list_hires(contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> list[HireOut]:
    async with _uow(request) as uow:
        hires = await handlers.hires_of(
            uow, principal, contract_id, _settings(request).coordination_org_id, _today()
        )
        return [
            HireOut(
                **WorkContractOut.model_validate(h.row, from_attributes=True).model_dump(),
                hours_declared=h.hours_declared,
                periods_declared=h.periods_declared,
                last_period=h.last_period,
                missing_periods=h.missing_periods,
            )
            for h in hires
        ]


class DeclarationOut(BaseModel):
    work_contract_id: uuid.UUID
    participant_id: uuid.UUID
    period: date
    version: int
    hours: Decimal
    reference: str
    declared_by_org_id: uuid.UUID
    declared_at: datetime
    current: bool = Field(description="Dernière version de la période : celle qui compte")


@router.get(
    "/contracts/{contract_id}/hours",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Les heures déclarées sur ce marché, corrections comprises (période la plus récente d'abord)",
)
async def list_hours(
    contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> list[DeclarationOut]:
    async with _uow(request) as uow:
        views = await handlers.declarations_of(
            uow, principal, contract_id, _settings(request).coordination_org_id
        )
        return [
            DeclarationOut(
                work_contract_id=v.row.work_contract_id,
                participant_id=v.participant_id,
                period=v.row.period,
                version=v.row.version,
                hours=v.row.hours,
                reference=v.row.reference,
                declared_by_org_id=v.row.declared_by_org_id,
                declared_at=v.row.declared_at,
                current=v.current,
            )
            for v in views
        ]


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
    async with _uow(request) as uow:
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


class ReportRowOut(BaseModel):
    contract_id: uuid.UUID
    reference: str
    buyer_org_id: uuid.UUID
    contractor_siret: str
    year: int
    hours: float
    fte: float
    hours_by_mode: dict[str, float]
    participants: int
    work_contracts: int
    participants_by_category: dict[str, int]
    participants_by_sex: dict[str, int]
    participants_by_age_band: dict[str, int]
    participants_in_qpv: int


class ReportTotalsOut(BaseModel):
    year: int
    hours: float
    fte: float = Field(description="ETP des heures totales (1 600 h = 1 ETP)")
    hours_by_mode: dict[str, float]
    participants: int = Field(
        description="Personnes distinctes : une personne sur deux marchés compte une fois"
    )
    work_contracts: int
    participants_by_category: dict[str, int]
    participants_by_sex: dict[str, int]
    participants_by_age_band: dict[str, int]
    participants_in_qpv: int


class ReportSummaryOut(BaseModel):
    rows: list[ReportRowOut]
    totals: ReportTotalsOut


def _coordination(request: Request, principal: Any) -> bool:
    return bool(
        principal.has_role("coordinator") and principal.org_id == _settings(request).coordination_org_id
    )


def _buyer_names(pairs: list[str]) -> dict[str, str]:
    """``<buyer id>=<name>``: the caller (the portal) knows the directory's names, this service ids only."""
    names = {}
    for pair in pairs:
        org_id, _, name = pair.partition("=")
        if name.strip():
            names[org_id.strip()] = name.strip()
    return names


@router.get(
    "/reports/clauses",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Bilan annuel des clauses de son périmètre (heures, ETP, participants par public)",
    description="Par marché : les heures des périodes de l'année et les forfaits (un CDI compté N heures) des"
    " contrats de travail qui commencent dans l'année. Fichiers CSV (séparateur `;`, décimales à virgule) et"
    " XLSX (avec une ligne de totaux) en français.",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
async def report(
    request: Request,
    principal: CurrentPrincipal,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    buyer_name: Annotated[
        list[Annotated[str, Field(max_length=300)]],
        Query(max_length=500, description="`<id de l'acheteur>=<nom>` : le nom écrit dans les fichiers"),
    ] = [],  # noqa: B006 - FastAPI copies a query list's default
) -> Response:
    async with _uow(request) as uow:
        contracts = await uow.db.contracts_in_perimeter(principal, _coordination(request, principal))
        rows, totals = await reports.yearly_summary(uow, contracts, year)
    names = _buyer_names(buyer_name)
    if format == "csv":
        return Response(
            reports.as_csv(rows, names),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="clauses-{year}.csv"'},
        )
    if format == "xlsx":
        return Response(
            reports.as_xlsx(rows, totals, names),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="clauses-{year}.xlsx"'},
        )
    return JSONResponse(reports.as_json(rows))


@router.get(
    "/reports/clauses/summary",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Bilan annuel : les lignes par marché et les totaux, chaque personne comptée une fois",
)
async def report_summary(
    request: Request, principal: CurrentPrincipal, year: Annotated[int, Query(ge=2000, le=2100)]
) -> ReportSummaryOut:
    async with _uow(request) as uow:
        contracts = await uow.db.contracts_in_perimeter(principal, _coordination(request, principal))
        rows, totals = await reports.yearly_summary(uow, contracts, year)
    return ReportSummaryOut.model_validate(
        {"rows": reports.as_json(rows), "totals": reports.totals_as_json(totals)}
    )


def create_app(settings: ClausesSettings | None = None) -> FastAPI:
    app = create_database_service_app(
        title=TITLE, description=DESCRIPTION, settings=settings or ClausesSettings(), routers=[router]
    )

    @app.exception_handler(handlers.InvalidClause)
    async def _invalid(request: Request, exc: handlers.InvalidClause) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc), exc.errors), request.url.path)

    return app
