"""The obligation monitor's step (service layer).

``check_obligation`` is what the monitor's activity runs on a given day: reminders for periods not
declared in time, the at-risk flag, the reconciliation at the end. Each is recorded once (rows keyed by
contract and period, or by contract), so a retried or replayed step changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from relais_clauses.adapters.db.models import ContractRow, DeclarationReminderRow, ObligationStateRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain import monitoring, progress
from relais_clauses.domain.events import DeclarationReminded, ObligationAtRisk, ObligationReconciled
from relais_clauses.service_layer.progress import contract_progress
from relais_shared.errors import NotFound


@dataclass(frozen=True)
class MonitorPolicy:
    grace_days: int = 10  # a period is declared within this many days after it ends
    observation_days: int = 15  # the contractor's delay to present observations on a penalty


@dataclass(frozen=True)
class CheckResult:
    done: bool
    next_wake: date | None
    at_risk: bool
    reminders: int
    reconciled: bool


async def check_obligation(
    uow: UnitOfWork, contract_id: uuid.UUID, today: date, policy: MonitorPolicy
) -> CheckResult:
    contract = await uow.db.contract(contract_id)
    if contract is None:
        raise NotFound("contract")
    state = await uow.db.locked_obligation_state(contract_id)
    if state.reconciled_on is not None:
        return CheckResult(True, None, False, 0, True)
    state.last_checked_on = today
    reminders = await _remind(uow, contract, today, policy)
    if today >= contract.ends_on + timedelta(days=policy.grace_days):
        await _reconcile(uow, contract, state, today, policy)
        return CheckResult(True, None, state.at_risk_since is not None, reminders, True)
    current = await contract_progress(uow, contract, today)
    if current.at_risk and state.at_risk_since is None:
        state.at_risk_since = today
        uow.publish(
            ObligationAtRisk(
                contract_id=contract.id,
                at_risk_since=today,
                required=current.required,
                realised=current.realised,
                expected_to_date=current.expected_to_date,
            )
        )
    elif not current.at_risk and state.at_risk_since is not None:
        state.at_risk_since = None  # back on track after new declarations
    at_risk_on = (
        None
        if current.at_risk
        else progress.first_at_risk_day(
            current.required, current.realised, contract.starts_on, contract.ends_on
        )
    )
    wake = monitoring.next_wake(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        reporting_period=contract.reporting_period,
        grace_days=policy.grace_days,
        today=today,
        at_risk_on=at_risk_on,
    )
    return CheckResult(False, wake, current.at_risk, reminders, False)


async def _remind(uow: UnitOfWork, contract: ContractRow, today: date, policy: MonitorPolicy) -> int:
    work = await uow.db.work_contracts([contract.id])
    if not work:
        return 0
    declared = {(d.work_contract_id, d.period) for d in await uow.db.declarations([w.id for w in work])}
    spans = {w.id: monitoring.WorkSpan(w.starts_on, w.ends_on) for w in work}
    already = await uow.db.reminded_periods(contract.id)
    sent = 0
    for period in monitoring.periods_due(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        reporting_period=contract.reporting_period,
        grace_days=policy.grace_days,
        today=today,
    ):
        if period in already:
            continue
        missing = monitoring.undeclared(spans, declared, period, contract.reporting_period)
        if not missing:
            continue
        uow.db.add(
            DeclarationReminderRow(
                contract_id=contract.id, period=period, sent_on=today, work_contracts=len(missing)
            )
        )
        uow.publish(
            DeclarationReminded(
                contract_id=contract.id,
                contractor_org_id=contract.contractor_org_id,
                period=period,
                work_contracts=len(missing),
            )
        )
        sent += 1
    return sent


@dataclass(frozen=True)
class Overdue:
    """A period the contractor was reminded of and has still not declared."""

    period: date
    reminded_on: date
    work_contracts: int  # work contracts of the period still without hours declared today


async def overdue_declarations(
    uow: UnitOfWork, contracts: list[ContractRow]
) -> dict[uuid.UUID, list[Overdue]]:
    """Each contract's reminded periods still undeclared, oldest first; a period declared since the
    reminder drops out (the reminder row stays: it is the record that the reminder was sent)."""
    found: dict[uuid.UUID, list[Overdue]] = {c.id: [] for c in contracts}
    reminders = await uow.db.reminders(list(found))
    if not reminders:
        return found
    # Three queries whatever the number of contracts: the list page asks for all of one's perimeter.
    work = await uow.db.work_contracts(list({r.contract_id for r in reminders}))
    declared = await uow.db.declared_periods([w.id for w in work], {r.period for r in reminders})
    spans: dict[uuid.UUID, dict[uuid.UUID, monitoring.WorkSpan]] = defaultdict(dict)
    for w in work:
        spans[w.contract_id][w.id] = monitoring.WorkSpan(w.starts_on, w.ends_on)
    reporting = {c.id: c.reporting_period for c in contracts}
    for r in reminders:
        missing = monitoring.undeclared(spans[r.contract_id], declared, r.period, reporting[r.contract_id])
        if missing:
            found[r.contract_id].append(Overdue(r.period, r.sent_on, len(missing)))
    return found


def penalty_rule(contract: ContractRow) -> progress.Penalty:
    return progress.Penalty(
        progress.PenaltyRule(contract.penalty_rule),
        contract.penalty_hourly_amount,
        contract.penalty_cap_share,
    )


async def _reconcile(
    uow: UnitOfWork, contract: ContractRow, state: ObligationStateRow, today: date, policy: MonitorPolicy
) -> None:
    final = await contract_progress(uow, contract, contract.ends_on)
    result = progress.reconcile(
        contract.hours_mandatory, final.realised, penalty_rule(contract), contract.amount
    )
    state.reconciled_on = today
    state.realised, state.missing, state.proposed_penalty = result.realised, result.missing, result.penalty
    if result.penalty > 0:
        procedure = progress.PenaltyProcedure.open(result.penalty, today, policy.observation_days)
        state.observations_due, state.penalty_status = procedure.observations_due, procedure.status.value
    else:
        state.penalty_status = "fulfilled" if result.fulfilled else progress.PenaltyStatus.WAIVED.value
    uow.publish(
        ObligationReconciled(
            contract_id=contract.id,
            required_mandatory=result.required,
            realised=result.realised,
            missing=result.missing,
            proposed_penalty=result.penalty,
            observations_due=state.observations_due,
        )
    )
