"""The yearly report of the clauses in a perimeter: each contract counted with its own counting rules."""

from __future__ import annotations

import uuid
from collections import defaultdict

from relais_clauses.adapters.db.models import ContractRow, WorkContractRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain import counting
from relais_clauses.domain.counting import ContractType, CountingRules, Declaration, Mode, WorkContract
from relais_clauses.domain.reports import ReportRow, ReportTotals, describe, row_of, totals_of, window_of
from relais_clauses.service_layer.contracts import rules_of


async def yearly_report(uow: UnitOfWork, contracts: list[ContractRow], year: int) -> list[ReportRow]:
    return (await yearly_summary(uow, contracts, year))[0]


async def yearly_summary(
    uow: UnitOfWork, contracts: list[ContractRow], year: int
) -> tuple[list[ReportRow], ReportTotals]:
    """Counted with each contract's counting rules, on the declarations of periods within ``year`` and the
    flat amounts of work contracts starting in ``year``; the totals count each person once."""
    window = window_of(year)
    work = await uow.db.work_contracts([c.id for c in contracts])
    by_work: dict[uuid.UUID, list[Declaration]] = defaultdict(list)
    for work_id, period, version, amount in await uow.db.declarations_in_year([w.id for w in work], year):
        by_work[work_id].append(Declaration(work_id, period, version, amount))
    work_by_contract: dict[uuid.UUID, list[WorkContractRow]] = defaultdict(list)
    for w in work:
        work_by_contract[w.contract_id].append(w)
    participants = await uow.db.participants({w.participant_id for w in work})
    decisions = await uow.db.decisions_by_id({w.decision_id for w in work})
    rows = []
    everyone: dict[uuid.UUID, WorkContractRow] = {}  # person -> their first work contract of the year
    operations: dict[uuid.UUID, uuid.UUID] = {}
    rule_sets: dict[tuple[uuid.UUID, int | None], CountingRules] = {}
    for contract in contracts:
        if contract.operation_id not in operations:
            operation = await uow.db.operation(contract.operation_id)
            operations[contract.operation_id] = operation.buyer_org_id if operation else uuid.UUID(int=0)
        buyer = operations[contract.operation_id]
        if (buyer, contract.rules_version) not in rule_sets:
            rule_sets[(buyer, contract.rules_version)] = rules_of(
                await uow.db.rules(buyer, contract.rules_version)
            )
        rules = rule_sets[(buyer, contract.rules_version)]
        mine = work_by_contract.get(contract.id, [])
        counted = counting.count(
            [_work(w) for w in mine],
            [d for w in mine for d in by_work.get(w.id, [])],
            rules,
            window,
        )
        # A participant counts in the year when one of their work contracts has hours declared in it, or
        # starts in it with a flat amount (a CDI counted as N hours, credited the year it starts).
        active_work = {
            w.id
            for w in mine
            if by_work.get(w.id)
            or (w.contract_type in rules.flat_hours and counting.flat_counts(_work(w), window))
        }
        people = {w.participant_id: w for w in mine if w.id in active_work}
        for w in people.values():
            first = everyone.get(w.participant_id)
            if first is None or (w.starts_on, str(w.id)) < (first.starts_on, str(first.id)):
                everyone[w.participant_id] = w
        rows.append(
            row_of(
                contract_id=contract.id,
                reference=contract.reference,
                buyer_org_id=buyer,
                contractor_siret=contract.contractor_siret,
                year=year,
                counted=counted,
                participants=len(people),
                work_contracts=len(active_work),
                description=describe(people, participants, decisions),
            )
        )
    return rows, totals_of(year, rows, len(everyone), describe(everyone, participants, decisions))


def _work(w: WorkContractRow) -> WorkContract:
    return WorkContract(w.id, w.participant_id, Mode(w.mode), ContractType(w.contract_type), w.starts_on)
