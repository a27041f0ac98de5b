"""The contradictory procedure on a proposed penalty: the contractor's observations, the buyer's decision."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from relais_clauses.adapters.db.models import ObligationStateRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain import progress
from relais_clauses.domain.events import PenaltyDecided
from relais_clauses.service_layer.perimeter import contract_for
from relais_shared.auth import Principal
from relais_shared.errors import Conflict, NotAllowed


def _procedure(state: ObligationStateRow) -> progress.PenaltyProcedure:
    if (
        state.penalty_status not in {s.value for s in progress.PenaltyStatus}
        or state.proposed_penalty is None
    ):
        raise Conflict("aucune pénalité proposée sur ce marché")
    assert state.observations_due is not None and state.reconciled_on is not None
    return progress.PenaltyProcedure(
        proposed_amount=state.proposed_penalty,
        notified_on=state.reconciled_on,
        observations_due=state.observations_due,
        status=progress.PenaltyStatus(state.penalty_status),
        final_amount=state.final_penalty,
    )


async def present_observations(
    uow: UnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    reference: str,
    coordination_org_id: uuid.UUID,
) -> ObligationStateRow:
    contract, who = await contract_for(uow, principal, contract_id, coordination_org_id)
    if not who.contractor:
        raise NotAllowed("L'entreprise titulaire présente ses observations.")
    state = await uow.db.locked_obligation_state(contract.id)
    procedure = _procedure(state)
    try:
        procedure.observe()
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    state.penalty_status, state.observations_reference = procedure.status.value, reference
    return state


async def decide_penalty(
    uow: UnitOfWork,
    principal: Principal,
    contract_id: uuid.UUID,
    amount: Decimal,
    today: date,
    coordination_org_id: uuid.UUID,
) -> ObligationStateRow:
    contract, who = await contract_for(uow, principal, contract_id, coordination_org_id)
    if not who.buyer:
        raise NotAllowed("L'acheteur décide de la pénalité.")
    state = await uow.db.locked_obligation_state(contract.id)
    procedure = _procedure(state)
    try:
        procedure.decide(amount, today)
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    state.penalty_status, state.final_penalty, state.decided_on = (
        procedure.status.value,
        procedure.final_amount,
        today,
    )
    uow.publish(
        PenaltyDecided(
            contract_id=contract.id,
            status="final" if procedure.status is progress.PenaltyStatus.FINAL else "waived",
            amount=procedure.final_amount or Decimal("0"),
        )
    )
    return state


async def obligation_of(
    uow: UnitOfWork, principal: Principal, contract_id: uuid.UUID, coordination_org_id: uuid.UUID
) -> ObligationStateRow:
    """What the monitor found so far (empty before its first check), for whoever sees the contract."""
    contract, _ = await contract_for(uow, principal, contract_id, coordination_org_id)
    state = await uow.db.obligation_state(contract.id)
    return state or ObligationStateRow(contract_id=contract.id)
