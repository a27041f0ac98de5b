"""Participants: the facilitator's eligibility decision, then their hire on a clause contract."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relais_clauses.adapters.db.models import EligibilityDecisionRow, ParticipantRow, WorkContractRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain.contracts import HIRE_TYPES
from relais_clauses.domain.counting import ContractType, Mode
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
from relais_clauses.domain.errors import InvalidClause
from relais_clauses.domain.events import ParticipantHired
from relais_clauses.domain.siret import checked_siret
from relais_clauses.service_layer.perimeter import contract_for
from relais_shared.auth import Principal
from relais_shared.errors import Conflict, NotAllowed


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
        employer_siret=checked_siret(cmd.employer_siret, "employer_siret"),
        weekly_hours=cmd.weekly_hours,
    )
    uow.db.add(row)
    await uow.db.flush()
    if contract_type.value in HIRE_TYPES:
        uow.publish(
            ParticipantHired(
                work_contract_id=row.id,
                participant_id=cmd.participant_id,
                contract_type=contract_type.value,
                weekly_hours=cmd.weekly_hours,
                starts_on=cmd.starts_on,
                employer_siret=row.employer_siret,
                employer_org_id=contract.contractor_org_id,
            )
        )
    await uow.audit(principal, "hired", "participant", str(cmd.participant_id))
    return row
