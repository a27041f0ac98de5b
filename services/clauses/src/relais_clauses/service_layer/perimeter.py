"""Who the caller is for a contract; another's contract is as unknown as a missing one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relais_clauses.adapters.db.models import ContractRow
from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_shared.auth import Principal
from relais_shared.errors import NotFound


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
