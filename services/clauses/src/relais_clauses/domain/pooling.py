"""Pooling (globalisation): hours realised on one operation counted toward another's obligation.

Without an agreement, hours count only on the clause-bearing operation. Within a pooling agreement,
each obligation first takes the hours of its own operation up to what it requires; what is left over in
the group then goes to the group's obligations still short, the earliest ending first. Hours are moved,
never created or lost: what no obligation needs stays as the group's surplus.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PooledObligation:
    obligation_id: uuid.UUID
    operation_id: uuid.UUID
    required: Decimal
    ends_on: date


@dataclass(frozen=True)
class Allocation:
    credited: dict[uuid.UUID, Decimal]  # obligation -> hours counted toward it
    received: dict[uuid.UUID, Decimal]  # obligation -> of which came from other operations
    surplus: Decimal  # realised in the group and needed by none of its obligations


def allocate(obligations: list[PooledObligation], realised: dict[uuid.UUID, Decimal]) -> Allocation:
    """``realised``: counted hours per operation of the group (operations without obligation included)."""
    own_by_operation: dict[uuid.UUID, list[PooledObligation]] = {}
    for o in obligations:
        own_by_operation.setdefault(o.operation_id, []).append(o)
    credited = {o.obligation_id: Decimal("0") for o in obligations}
    received = {o.obligation_id: Decimal("0") for o in obligations}
    pool = Decimal("0")
    for operation, amount in realised.items():
        left = amount
        for o in sorted(own_by_operation.get(operation, []), key=lambda o: (o.ends_on, str(o.obligation_id))):
            taken = min(left, o.required)
            credited[o.obligation_id] += taken
            left -= taken
        pool += left
    for o in sorted(obligations, key=lambda o: (o.ends_on, str(o.obligation_id))):
        short = o.required - credited[o.obligation_id]
        if short > 0 and pool > 0:
            moved = min(short, pool)
            credited[o.obligation_id] += moved
            received[o.obligation_id] += moved
            pool -= moved
    return Allocation(credited=credited, received=received, surplus=pool)
