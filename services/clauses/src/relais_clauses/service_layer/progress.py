"""A contract's progress: what it has counted to date (pooling included), expected, at risk or not."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relais_clauses.adapters.db.models import ContractRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain import counting, pooling, progress
from relais_clauses.domain.counting import ContractType, Declaration, Mode, WorkContract
from relais_clauses.service_layer.contracts import rules_of


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
