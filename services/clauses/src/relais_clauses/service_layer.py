"""Handlers of the clauses service: one function per command, in a unit of work that commits the state
and its events together. Perimeters: a facilitator acts on the clauses it is in charge of, a buyer on its
operations, a contractor (employer) on its own contracts; the pact coordination reads everything."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_clauses.domain import counting, pooling, progress
from relais_clauses.domain.counting import ContractType, CountingRules, Declaration, Mode, WorkContract
from relais_clauses.domain.eligibility import (
    Criterion,
    Decision,
    EligibilityPolicy,
    IneligibleError,
    Proof,
    ProofMethod,
    check_hire,
    decide,
)
from relais_clauses.domain.siret import normalise_siret
from relais_clauses.events import ContractRegisteredV1, HoursDeclaredV1, ParticipantHiredV1
from relais_clauses.models import (
    ContractRow,
    CountingRulesRow,
    EligibilityDecisionRow,
    HourDeclarationRow,
    OperationRow,
    ParticipantRow,
    WorkContractRow,
    infra,
)
from relais_shared.audit import record_access
from relais_shared.auth import Principal
from relais_shared.errors import Conflict, NotAllowed, NotFound
from relais_shared.unit_of_work import SqlUnitOfWork

PARIS = ZoneInfo("Europe/Paris")
LEGAL_BASES = ("execution_condition", "award_criterion", "reserved")  # L2112-2, R2152-7, L2113-12/13
HIRE_TYPES = {"CDI", "CDD", "interim", "alternance", "contrat_aide", "mise_a_disposition"}


class InvalidClause(ValueError):
    """Input that breaks a clause rule (dates, hours, SIRET, periods…); ``errors`` may name fields."""

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class UnitOfWork(SqlUnitOfWork):
    outbox = infra.outbox
    processed_events = infra.processed_events

    def bind(self, session: AsyncSession) -> None:
        super().bind(session)
        self.db = ClausesRepository(session)

    async def audit(self, principal: Principal, action: str, resource_type: str, resource_id: str) -> None:
        await record_access(
            self.session,
            infra.audit_log,
            principal,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
        )


class ClausesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Any) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def operation(self, operation_id: uuid.UUID) -> OperationRow | None:
        return await self.session.get(OperationRow, operation_id)

    async def contract(self, contract_id: uuid.UUID) -> ContractRow | None:
        return await self.session.get(ContractRow, contract_id)

    async def participant(self, participant_id: uuid.UUID) -> ParticipantRow | None:
        return await self.session.get(ParticipantRow, participant_id)

    async def rules(self, buyer_org_id: uuid.UUID, version: int | None = None) -> CountingRulesRow | None:
        stmt = select(CountingRulesRow).where(CountingRulesRow.buyer_org_id == buyer_org_id)
        stmt = stmt.where(CountingRulesRow.version == version) if version else stmt
        row = await self.session.execute(stmt.order_by(CountingRulesRow.version.desc()).limit(1))
        return row.scalar_one_or_none()

    async def decisions(self, participant_id: uuid.UUID) -> list[EligibilityDecisionRow]:
        rows = await self.session.execute(
            select(EligibilityDecisionRow)
            .where(EligibilityDecisionRow.participant_id == participant_id)
            .order_by(EligibilityDecisionRow.decided_on)
        )
        return list(rows.scalars())

    async def work_contracts(self, contract_ids: list[uuid.UUID]) -> list[WorkContractRow]:
        rows = await self.session.execute(
            select(WorkContractRow)
            .where(WorkContractRow.contract_id.in_(contract_ids))
            .order_by(WorkContractRow.id)
        )
        return list(rows.scalars())

    async def declarations(self, work_contract_ids: list[uuid.UUID]) -> list[HourDeclarationRow]:
        if not work_contract_ids:
            return []
        rows = await self.session.execute(
            select(HourDeclarationRow).where(HourDeclarationRow.work_contract_id.in_(work_contract_ids))
        )
        return list(rows.scalars())

    async def latest_versions(self, keys: set[tuple[uuid.UUID, date]]) -> dict[tuple[uuid.UUID, date], int]:
        """The latest version of each (work contract, period) already declared, in one query."""
        if not keys:
            return {}
        found = await self.session.execute(
            select(
                HourDeclarationRow.work_contract_id,
                HourDeclarationRow.period,
                func.max(HourDeclarationRow.version),
            )
            .where(HourDeclarationRow.work_contract_id.in_({k[0] for k in keys}))
            .group_by(HourDeclarationRow.work_contract_id, HourDeclarationRow.period)
        )
        return {(w, p): int(v) for w, p, v in found.all() if (w, p) in keys}

    async def contracts_in_perimeter(self, principal: Principal, is_coordination: bool) -> list[ContractRow]:
        stmt = select(ContractRow).join(OperationRow, OperationRow.id == ContractRow.operation_id)
        if not is_coordination:
            org = principal.org_id
            conditions = []
            if principal.has_role("facilitator"):
                conditions.append(ContractRow.facilitator_org_id == org)
            if principal.has_role("buyer"):
                conditions.append(OperationRow.buyer_org_id == org)
            if principal.has_role("employer"):
                conditions.append(ContractRow.contractor_org_id == org)
            if not conditions:
                return []
            from sqlalchemy import or_

            stmt = stmt.where(or_(*conditions))
        rows = await self.session.execute(stmt.order_by(ContractRow.starts_on, ContractRow.reference))
        return list(rows.scalars())

    async def contracts_of_operations(self, operation_ids: list[uuid.UUID]) -> list[ContractRow]:
        rows = await self.session.execute(
            select(ContractRow).where(ContractRow.operation_id.in_(operation_ids))
        )
        return list(rows.scalars())

    async def decisions_of_facilitator(
        self, facilitator_org_id: uuid.UUID, participant_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[int, list[EligibilityDecisionRow]]:
        """The decisions a facilitator took, newest first (one page), and how many there are."""
        where = [EligibilityDecisionRow.facilitator_org_id == facilitator_org_id]
        if participant_id is not None:
            where.append(EligibilityDecisionRow.participant_id == participant_id)
        total = await self.session.execute(
            select(func.count()).select_from(EligibilityDecisionRow).where(*where)
        )
        rows = await self.session.execute(
            select(EligibilityDecisionRow)
            .where(*where)
            .order_by(EligibilityDecisionRow.decided_on.desc(), EligibilityDecisionRow.id)
            .limit(limit)
            .offset(offset)
        )
        return int(total.scalar_one()), list(rows.scalars())

    async def operations_of_group(self, group: uuid.UUID) -> list[OperationRow]:
        rows = await self.session.execute(select(OperationRow).where(OperationRow.pooling_group == group))
        return list(rows.scalars())


@dataclass(frozen=True)
class Perimeter:
    """Who the caller is for a contract: its facilitator, its buyer, its contractor, or the coordination."""

    facilitator: bool
    buyer: bool
    contractor: bool
    coordination: bool

    @property
    def any(self) -> bool:
        return self.facilitator or self.buyer or self.contractor or self.coordination


async def perimeter(
    uow: UnitOfWork, principal: Principal, contract: ContractRow, coordination_org_id: uuid.UUID
) -> Perimeter:
    operation = await uow.db.operation(contract.operation_id)
    return Perimeter(
        facilitator=principal.has_role("facilitator") and contract.facilitator_org_id == principal.org_id,
        buyer=principal.has_role("buyer")
        and operation is not None
        and operation.buyer_org_id == principal.org_id,
        contractor=principal.has_role("employer") and contract.contractor_org_id == principal.org_id,
        coordination=principal.has_role("coordinator") and principal.org_id == coordination_org_id,
    )


async def contract_for(
    uow: UnitOfWork, principal: Principal, contract_id: uuid.UUID, coordination_org_id: uuid.UUID
) -> tuple[ContractRow, Perimeter]:
    contract = await uow.db.contract(contract_id)
    if contract is None:
        raise NotFound("contract")
    who = await perimeter(uow, principal, contract, coordination_org_id)
    if not who.any:
        raise NotFound("contract")  # another's contract is as unknown as a missing one
    return contract, who


# --- settings and structure --------------------------------------------------------------------------


async def publish_rules(uow: UnitOfWork, principal: Principal, rules: CountingRules) -> CountingRulesRow:
    """A buyer publishes a new version of its counting rules (contracts keep the version they had)."""
    if not principal.has_role("buyer"):
        raise NotAllowed("Seul un acheteur publie ses règles de décompte.")
    current = await uow.db.rules(principal.org_id)
    row = CountingRulesRow(
        buyer_org_id=principal.org_id,
        version=(current.version + 1) if current else 1,
        training_ratio=rules.training_ratio,
        flat_hours={k: str(v) for k, v in rules.flat_hours.items()},
        cap_per_participant=rules.cap_per_participant,
        cap_per_mode={k: str(v) for k, v in rules.cap_per_mode.items()},
    )
    uow.db.add(row)
    return row


def rules_of(row: CountingRulesRow | None) -> CountingRules:
    if row is None:
        return CountingRules()
    return CountingRules(
        training_ratio=Decimal(row.training_ratio),
        flat_hours={k: Decimal(v) for k, v in row.flat_hours.items()},
        cap_per_participant=row.cap_per_participant,
        cap_per_mode={k: Decimal(v) for k, v in row.cap_per_mode.items()},
    )


async def create_operation(
    uow: UnitOfWork,
    principal: Principal,
    *,
    buyer_org_id: uuid.UUID,
    name: str,
    pooling_group: uuid.UUID | None,
) -> OperationRow:
    if not (
        (principal.has_role("buyer") and principal.org_id == buyer_org_id)
        or principal.has_role("facilitator")
    ):
        raise NotAllowed(
            "Un acheteur enregistre ses propres opérations ; un facilitateur les enregistre pour un acheteur."
        )
    row = OperationRow(id=uuid.uuid4(), buyer_org_id=buyer_org_id, name=name, pooling_group=pooling_group)
    uow.db.add(row)
    return row


@dataclass(frozen=True)
class NewContract:
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
    hours_required: Decimal
    hours_mandatory: Decimal
    reporting_period: str = "month"
    parties: list[dict[str, str]] = field(default_factory=list)
    schedule: list[tuple[date, Decimal]] | None = None
    penalty_rule: str = progress.PenaltyRule.PER_MISSING_HOUR.value
    penalty_hourly_amount: Decimal = Decimal("0")
    penalty_cap_share: Decimal | None = None


def _siret(value: str, field_name: str) -> str:
    try:
        return normalise_siret(value)
    except ValueError as exc:
        raise InvalidClause(str(exc), [{"field": field_name, "message": str(exc), "code": "siret"}]) from exc


async def create_contract(uow: UnitOfWork, principal: Principal, cmd: NewContract) -> ContractRow:
    operation = await uow.db.operation(cmd.operation_id)
    if operation is None:
        raise NotFound("operation")
    if not (
        (principal.has_role("buyer") and principal.org_id == operation.buyer_org_id)
        or (principal.has_role("facilitator") and principal.org_id == cmd.facilitator_org_id)
    ):
        raise NotAllowed(
            "L'acheteur de l'opération, ou le facilitateur qui en est chargé, enregistre ses marchés."
        )
    if cmd.legal_basis not in LEGAL_BASES:
        raise InvalidClause(f"base légale inconnue : {cmd.legal_basis}")
    if cmd.ends_on <= cmd.starts_on:
        raise InvalidClause("la fin du marché doit suivre son début")
    if not Decimal("0") <= cmd.hours_mandatory <= cmd.hours_required:
        raise InvalidClause("les heures obligatoires sont comprises entre zéro et les heures requises")
    parties = [
        {
            "role": p["role"],
            "name": p["name"],
            "siret": _siret(p["siret"], f"parties.{i}.siret"),
        }
        for i, p in enumerate(cmd.parties)
    ]
    rules = await uow.db.rules(operation.buyer_org_id)
    row = ContractRow(
        id=uuid.uuid4(),
        operation_id=cmd.operation_id,
        reference=cmd.reference,
        lot=cmd.lot,
        legal_basis=cmd.legal_basis,
        amount=cmd.amount,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        contractor_org_id=cmd.contractor_org_id,
        contractor_siret=_siret(cmd.contractor_siret, "contractor_siret"),
        facilitator_org_id=cmd.facilitator_org_id,
        parties=parties,
        rules_version=rules.version if rules else None,
        hours_required=cmd.hours_required,
        hours_mandatory=cmd.hours_mandatory,
        reporting_period=cmd.reporting_period,
        schedule=[{"on": d.isoformat(), "hours": str(h)} for d, h in cmd.schedule] if cmd.schedule else None,
        penalty_rule=cmd.penalty_rule,
        penalty_hourly_amount=cmd.penalty_hourly_amount,
        penalty_cap_share=cmd.penalty_cap_share,
    )
    uow.db.add(row)
    uow.publish(
        ContractRegisteredV1(
            contract_id=row.id,
            buyer_org_id=operation.buyer_org_id,
            contractor_org_id=row.contractor_org_id,
            facilitator_org_id=row.facilitator_org_id,
            legal_basis=row.legal_basis,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            hours_required=float(row.hours_required),
            hours_mandatory=float(row.hours_mandatory),
        )
    )
    return row


# --- participants, eligibility, hires ----------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityRequest:
    participant_id: uuid.UUID  # the referral service's jobseeker id
    decided_on: date
    proofs: list[tuple[str, str, date, str]]  # criterion, method, proved on, reference
    sex: str | None = None
    age_band: str | None = None
    qpv_resident: bool | None = None
    prescriber_org_id: uuid.UUID | None = None
    prescriber_kind: str | None = None


async def decide_eligibility(
    uow: UnitOfWork, principal: Principal, cmd: EligibilityRequest, policy: EligibilityPolicy
) -> EligibilityDecisionRow:
    if not principal.has_role("facilitator"):
        raise NotAllowed("Seul un facilitateur de clauses décide de l'éligibilité.")
    try:
        proofs = [Proof(Criterion(c), ProofMethod(m), d, ref) for c, m, d, ref in cmd.proofs]
        decision = decide(
            decision_id=uuid.uuid4(),
            participant_id=cmd.participant_id,
            decided_on=cmd.decided_on,
            proofs=proofs,
            policy=policy,
            prescriber_org_id=cmd.prescriber_org_id,
            prescriber_kind=cmd.prescriber_kind,
        )
    except (IneligibleError, ValueError) as exc:
        raise InvalidClause(str(exc)) from exc
    participant = await uow.db.participant(cmd.participant_id)
    if participant is None:
        participant = ParticipantRow(id=cmd.participant_id)
        uow.db.add(participant)
    participant.sex, participant.age_band, participant.qpv_resident = cmd.sex, cmd.age_band, cmd.qpv_resident
    await uow.db.flush()  # the decision refers to it (no ORM relationship to order the inserts)
    row = EligibilityDecisionRow(
        id=decision.id,
        participant_id=cmd.participant_id,
        facilitator_org_id=principal.org_id,
        decided_on=decision.decided_on,
        valid_until=decision.valid_until,
        criteria=[c.value for c in decision.criteria],
        proofs=[
            {
                "criterion": p.criterion.value,
                "method": p.method.value,
                "proved_on": p.proved_on.isoformat(),
                "reference": p.reference,
            }
            for p in proofs
        ],
        prescriber_org_id=cmd.prescriber_org_id,
    )
    uow.db.add(row)
    await uow.db.flush()
    await uow.audit(principal, "eligibility_decided", "participant", str(cmd.participant_id))
    return row


def _decision(row: EligibilityDecisionRow) -> Decision:
    return Decision(
        id=row.id,
        participant_id=row.participant_id,
        decided_on=row.decided_on,
        valid_until=row.valid_until,
        criteria=tuple(Criterion(c) for c in row.criteria),
        prescriber_org_id=row.prescriber_org_id,
        revoked_on=row.revoked_on,
    )


@dataclass(frozen=True)
class Hire:
    contract_id: uuid.UUID
    participant_id: uuid.UUID
    mode: str
    contract_type: str
    starts_on: date
    ends_on: date | None
    employer_siret: str
    weekly_hours: Decimal | None = None


async def hire(
    uow: UnitOfWork, principal: Principal, cmd: Hire, coordination_org_id: uuid.UUID
) -> WorkContractRow:
    """A participant starts work on a clause contract: only with an eligibility decision holding that day."""
    contract, who = await contract_for(uow, principal, cmd.contract_id, coordination_org_id)
    if not who.facilitator:
        raise NotAllowed("Le facilitateur chargé de la clause enregistre les embauches.")
    try:
        mode, contract_type = Mode(cmd.mode), ContractType(cmd.contract_type)
    except ValueError as exc:
        raise InvalidClause(str(exc)) from exc
    if not contract.starts_on <= cmd.starts_on <= contract.ends_on:
        raise InvalidClause("l'embauche doit commencer pendant l'exécution du marché")
    try:
        decision = check_hire(
            [_decision(d) for d in await uow.db.decisions(cmd.participant_id)], cmd.starts_on
        )
    except IneligibleError as exc:
        raise Conflict(f"embauche refusée : {exc}") from exc
    row = WorkContractRow(
        id=uuid.uuid4(),
        contract_id=contract.id,
        participant_id=cmd.participant_id,
        decision_id=decision.id,
        mode=mode.value,
        contract_type=contract_type.value,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        employer_siret=_siret(cmd.employer_siret, "employer_siret"),
        weekly_hours=cmd.weekly_hours,
    )
    uow.db.add(row)
    await uow.db.flush()
    if contract_type.value in HIRE_TYPES:  # training is not a hire: the journey learns of it otherwise
        uow.publish(
            ParticipantHiredV1(
                work_contract_id=row.id,
                jobseeker_id=cmd.participant_id,
                contract_type=contract_type.value,
                weekly_hours=float(cmd.weekly_hours) if cmd.weekly_hours is not None else None,
                hired_at=datetime.combine(cmd.starts_on, time(9), PARIS).astimezone(UTC),
                employer_siret=row.employer_siret,
                employer_org_id=contract.contractor_org_id,
            )
        )
    await uow.audit(principal, "hired", "participant", str(cmd.participant_id))
    return row


# --- hours ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursLine:
    work_contract_id: uuid.UUID
    period: date
    hours: Decimal
    reference: str


def period_start(day: date, reporting_period: str) -> date:
    if reporting_period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


MAX_HOURS_PER_MONTH = Decimal("250")  # a full-time month is about 152 h; above 250 is a typing error


def _month_fr(day: date) -> str:
    return f"{MONTHS_FR[day.month - 1]} {day.year}"


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def hours_errors(
    contract: ContractRow, work: dict[uuid.UUID, WorkContractRow], lines: list[HoursLine], today: date
) -> list[dict[str, str]]:
    """Every rule a line breaks, named ``lines.<i>.<field>``: hours are declared for a period of the work
    contract (from its start to its end), of the contract, that has begun (never for a month not worked yet).
    """
    months = 3 if contract.reporting_period == "quarter" else 1
    errors: list[dict[str, str]] = []

    def period_error(i: int, message: str) -> None:
        errors.append({"field": f"lines.{i}.period", "message": message, "code": "period"})

    for i, line in enumerate(lines):
        w = work.get(line.work_contract_id)
        if w is None:
            errors.append(
                {
                    "field": f"lines.{i}.work_contract_id",
                    "message": "contrat de travail inconnu sur ce marché",
                    "code": "unknown",
                }
            )
            continue
        if line.period != period_start(line.period, contract.reporting_period):
            period_error(i, "une période commence le premier jour du mois (ou du trimestre)")
        elif line.period > today:
            period_error(
                i,
                f"{_month_fr(line.period)} n'a pas commencé : on déclare les heures d'une période travaillée",
            )
        elif line.period < period_start(w.starts_on, contract.reporting_period):
            period_error(
                i, f"{_month_fr(line.period)} précède le début du contrat de travail ({w.starts_on:%d/%m/%Y})"
            )
        elif w.ends_on is not None and line.period > w.ends_on:
            period_error(
                i, f"{_month_fr(line.period)} suit la fin du contrat de travail ({w.ends_on:%d/%m/%Y})"
            )
        elif line.period > contract.ends_on:
            period_error(i, f"{_month_fr(line.period)} suit la fin du marché ({contract.ends_on:%d/%m/%Y})")
        if not Decimal("0") <= line.hours <= MAX_HOURS_PER_MONTH * months:
            errors.append(
                {
                    "field": f"lines.{i}.hours",
                    "message": f"entre 0 et {MAX_HOURS_PER_MONTH * months} heures",
                    "code": "range",
                }
            )
        if not line.reference.strip():
            errors.append(
                {
                    "field": f"lines.{i}.reference",
                    "message": "la pièce justificative est requise",
                    "code": "missing",
                }
            )
    return errors


async def check_hours(
    uow: UnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    lines: list[HoursLine],
    coordination_org_id: uuid.UUID,
    today: date,
) -> tuple[ContractRow, list[dict[str, str]]]:
    """Who may declare on the contract, and what the lines break (nothing is written)."""
    contract, who = await contract_for(uow, principal, contract_id, coordination_org_id)
    if not (who.facilitator or who.contractor):
        raise NotAllowed("L'entreprise titulaire ou le facilitateur déclare les heures.")
    work = {w.id: w for w in await uow.db.work_contracts([contract.id])}
    return contract, hours_errors(contract, work, lines, today)


async def declare_hours(
    uow: UnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    lines: list[HoursLine],
    coordination_org_id: uuid.UUID,
    today: date,
) -> list[HourDeclarationRow]:
    """All lines or none: a line breaking a rule is named (``lines.<i>.<field>``), nothing is written."""
    contract, errors = await check_hours(uow, principal, contract_id, lines, coordination_org_id, today)
    if errors:
        raise InvalidClause(f"{len(errors)} erreur(s) : aucune heure n'a été enregistrée.", errors)
    # One query for the versions already there, one statement for the rows: a 10,000-line file is one
    # round trip each, not 10,000.
    versions = await uow.db.latest_versions({(x.work_contract_id, x.period) for x in lines})
    rows = []
    for line in lines:
        key = (line.work_contract_id, line.period)
        versions[key] = versions.get(key, 0) + 1  # the same period twice in one file: two versions
        row = HourDeclarationRow(
            work_contract_id=line.work_contract_id,
            period=line.period,
            version=versions[key],
            hours=counting.hours(line.hours),
            reference=line.reference.strip(),
            declared_by_org_id=principal.org_id,
        )
        uow.db.add(row)
        rows.append(row)
        uow.publish(
            HoursDeclaredV1(
                contract_id=contract.id,
                work_contract_id=line.work_contract_id,
                period=line.period,
                version=row.version,
                hours=float(row.hours),
            )
        )
    await uow.db.flush()
    return rows


# --- progress --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    contract_id: uuid.UUID
    required: Decimal
    mandatory: Decimal
    realised: Decimal  # credited to this contract's obligation (pooling included)
    own: Decimal  # counted on the contract itself
    received_by_pooling: Decimal
    expected_to_date: Decimal
    at_risk: bool
    by_mode: dict[str, Decimal]
    participants: int
    work_contracts: int


async def counted_by_contract(
    uow: UnitOfWork, contracts: list[ContractRow], today: date
) -> dict[uuid.UUID, counting.Counted]:
    """What each contract has counted as of ``today``: a flat amount once its work contract has started."""
    work = await uow.db.work_contracts([c.id for c in contracts])
    declarations = await uow.db.declarations([w.id for w in work])
    by_work: dict[uuid.UUID, list[Declaration]] = defaultdict(list)
    for d in declarations:
        by_work[d.work_contract_id].append(Declaration(d.work_contract_id, d.period, d.version, d.hours))
    result = {}
    for c in contracts:
        operation = await uow.db.operation(c.operation_id)
        rules = rules_of(await uow.db.rules(operation.buyer_org_id, c.rules_version) if operation else None)
        mine = [w for w in work if w.contract_id == c.id]
        result[c.id] = counting.count(
            [
                WorkContract(w.id, w.participant_id, Mode(w.mode), ContractType(w.contract_type), w.starts_on)
                for w in mine
            ],
            [d for w in mine for d in by_work[w.id]],
            rules,
            (date.min, today),
        )
    return result


async def contract_progress(uow: UnitOfWork, contract: ContractRow, today: date) -> Progress:
    operation = await uow.db.operation(contract.operation_id)
    group = operation.pooling_group if operation else None
    siblings = (
        await uow.db.contracts_of_operations([o.id for o in await uow.db.operations_of_group(group)])
        if group
        else [contract]
    )
    counted = await counted_by_contract(uow, siblings, today)
    mine = counted[contract.id]
    credited, received = mine.total, Decimal("0")
    if group:
        realised_by_operation: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
        for c in siblings:
            realised_by_operation[c.operation_id] += counted[c.id].total
        allocation = pooling.allocate(
            [pooling.PooledObligation(c.id, c.operation_id, c.hours_required, c.ends_on) for c in siblings],
            dict(realised_by_operation),
        )
        credited, received = allocation.credited[contract.id], allocation.received[contract.id]
    work = await uow.db.work_contracts([contract.id])
    schedule = [(date.fromisoformat(s["on"]), Decimal(s["hours"])) for s in contract.schedule or []]
    return Progress(
        contract_id=contract.id,
        required=contract.hours_required,
        mandatory=contract.hours_mandatory,
        realised=counting.hours(credited),
        own=mine.total,
        received_by_pooling=counting.hours(received),
        expected_to_date=progress.expected_to_date(
            contract.hours_required, contract.starts_on, contract.ends_on, today, schedule or None
        ),
        at_risk=progress.at_risk(
            contract.hours_required, credited, contract.starts_on, contract.ends_on, today
        ),
        by_mode=mine.by_mode,
        participants=len({w.participant_id for w in work}),
        work_contracts=len(work),
    )


# --- reads for the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiredWork:
    """A work contract with the hours declared for it (latest version of each period, before the rules)."""

    row: WorkContractRow
    hours_declared: Decimal
    periods_declared: int
    last_period: date | None
    missing_periods: list[date]


def next_period(period: date, reporting_period: str) -> date:
    months = period.month - 1 + (3 if reporting_period == "quarter" else 1)
    return date(period.year + months // 12, months % 12 + 1, 1)


def missing_periods(
    contract: ContractRow, work: WorkContractRow, declared: set[date], today: date
) -> list[date]:
    """The ended periods of a work contract (from its start to its end, within the contract) with no hours
    declared: what the contractor still owes, work contract by work contract."""
    current = period_start(today, contract.reporting_period)
    last = min(d for d in (work.ends_on, contract.ends_on) if d is not None)
    missing = []
    period = period_start(work.starts_on, contract.reporting_period)
    while period < current and period <= last:
        if period not in declared:
            missing.append(period)
        period = next_period(period, contract.reporting_period)
    return missing


async def hires_of(
    uow: UnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    coordination_org_id: uuid.UUID,
    today: date,
) -> list[HiredWork]:
    contract, _ = await contract_for(uow, principal, contract_id, coordination_org_id)
    work = await uow.db.work_contracts([contract.id])
    latest: dict[tuple[uuid.UUID, date], HourDeclarationRow] = {}
    for d in await uow.db.declarations([w.id for w in work]):
        key = (d.work_contract_id, d.period)
        if key not in latest or latest[key].version < d.version:
            latest[key] = d
    result = []
    for w in sorted(work, key=lambda w: (w.starts_on, str(w.id))):
        mine = [d for (wid, _), d in latest.items() if wid == w.id]
        result.append(
            HiredWork(
                row=w,
                hours_declared=sum((d.hours for d in mine), Decimal("0")),
                periods_declared=len(mine),
                last_period=max((d.period for d in mine), default=None),
                missing_periods=missing_periods(contract, w, {d.period for d in mine}, today),
            )
        )
    return result


@dataclass(frozen=True)
class DeclarationView:
    row: HourDeclarationRow
    participant_id: uuid.UUID
    current: bool  # the latest version of its period: the one that counts


async def declarations_of(
    uow: UnitOfWork, principal: Principal, contract_id: uuid.UUID, coordination_org_id: uuid.UUID
) -> list[DeclarationView]:
    """Every declaration of the contract, corrections included (newest period first)."""
    contract, _ = await contract_for(uow, principal, contract_id, coordination_org_id)
    work = {w.id: w for w in await uow.db.work_contracts([contract.id])}
    rows = await uow.db.declarations(list(work))
    latest: dict[tuple[uuid.UUID, date], int] = {}
    for d in rows:
        key = (d.work_contract_id, d.period)
        latest[key] = max(latest.get(key, 0), d.version)
    rows.sort(key=lambda d: (d.period, d.declared_at, d.id), reverse=True)
    return [
        DeclarationView(
            row=d,
            participant_id=work[d.work_contract_id].participant_id,
            current=latest[(d.work_contract_id, d.period)] == d.version,
        )
        for d in rows
    ]
