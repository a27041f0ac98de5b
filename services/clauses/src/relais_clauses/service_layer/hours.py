"""Hours declared for work contracts (all lines or none), and the reads of the hours pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relais_clauses.adapters.db.models import ContractRow, HourDeclarationRow, WorkContractRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain import counting
from relais_clauses.domain.errors import InvalidClause
from relais_clauses.domain.events import HoursDeclared
from relais_clauses.domain.hours import HoursLine, hours_errors, missing_periods
from relais_clauses.service_layer.perimeter import contract_for
from relais_shared.auth import Principal
from relais_shared.errors import NotAllowed


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
            HoursDeclared(
                contract_id=contract.id,
                work_contract_id=line.work_contract_id,
                period=line.period,
                version=row.version,
                hours=row.hours,
            )
        )
    await uow.db.flush()
    return rows


@dataclass(frozen=True)
class HiredWork:
    """A work contract with the hours declared for it (latest version of each period, before the rules)."""

    row: WorkContractRow
    hours_declared: Decimal
    periods_declared: int
    last_period: date | None
    missing_periods: list[date]


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
