"""Buyers' counting rules, operations and contracts with their clause obligation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from relais_clauses.adapters.db.models import ContractRow, CountingRulesRow, OperationRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain import progress
from relais_clauses.domain.contracts import check_terms
from relais_clauses.domain.counting import CountingRules
from relais_clauses.domain.events import ContractRegistered
from relais_clauses.domain.siret import checked_siret
from relais_shared.auth import Principal
from relais_shared.errors import NotAllowed, NotFound


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
    check_terms(cmd.legal_basis, cmd.starts_on, cmd.ends_on, cmd.hours_required, cmd.hours_mandatory)
    parties = [
        {
            "role": p["role"],
            "name": p["name"],
            "siret": checked_siret(p["siret"], f"parties.{i}.siret"),
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
        contractor_siret=checked_siret(cmd.contractor_siret, "contractor_siret"),
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
        ContractRegistered(
            contract_id=row.id,
            buyer_org_id=operation.buyer_org_id,
            contractor_org_id=row.contractor_org_id,
            facilitator_org_id=row.facilitator_org_id,
            legal_basis=row.legal_basis,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            hours_required=row.hours_required,
            hours_mandatory=row.hours_mandatory,
        )
    )
    return row
