"""How realised insertion hours are counted: a versioned setting per buyer (DOMAIN: modes of execution).

Declared hours are kept per work contract and period, corrections included; only the latest version of
a period counts, so a correction never counts twice. Then, per work contract: training hours are
weighted by the training ratio; a contract type with a flat conversion (a CDI counted as N hours) counts
that flat value once instead of its declared hours, in the window where its work contract starts (the year
of a report, the contract's life up to today for its progress): never before the work contract starts,
never once per year. Then the caps: per participant, then per mode.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

HOURS = Decimal("0.01")


class Mode(StrEnum):
    """Modes of execution of a clause (how the participant works on the contract)."""

    DIRECT_HIRE = "direct_hire"  # CDI, CDD, alternance, subsidised contract by the contractor itself
    STAFF_PROVISION = "staff_provision"  # ETTI, AI, GEIQ, temp agency
    SIAE_SUBCONTRACTING = "siae_subcontracting"  # subcontracting or co-contracting to an SIAE / EA
    TRAINING = "training"


class ContractType(StrEnum):
    CDI = "CDI"
    CDD = "CDD"
    INTERIM = "interim"
    ALTERNANCE = "alternance"
    CONTRAT_AIDE = "contrat_aide"
    MISE_A_DISPOSITION = "mise_a_disposition"
    FORMATION = "formation"


def hours(value: Decimal | int | float | str) -> Decimal:
    return Decimal(str(value)).quantize(HOURS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CountingRules:
    """A buyer's counting rules, one version of them (versions keep history; a contract keeps its own)."""

    training_ratio: Decimal = Decimal("1")
    flat_hours: Mapping[str, Decimal] = field(default_factory=dict)  # contract type -> hours counted
    cap_per_participant: Decimal | None = None
    cap_per_mode: Mapping[str, Decimal] = field(default_factory=dict)  # mode -> at most these hours

    def __post_init__(self) -> None:
        if not Decimal("0") <= self.training_ratio <= Decimal("1"):
            raise ValueError("the training ratio lies between 0 and 1")
        if any(v < 0 for v in self.flat_hours.values()) or any(v < 0 for v in self.cap_per_mode.values()):
            raise ValueError("conversions and caps are positive hours")
        if self.cap_per_participant is not None and self.cap_per_participant < 0:
            raise ValueError("a cap is positive hours")


@dataclass(frozen=True)
class WorkContract:
    id: uuid.UUID
    participant_id: uuid.UUID
    mode: Mode
    contract_type: ContractType
    starts_on: date


@dataclass(frozen=True)
class Declaration:
    """Hours declared for one work contract and one period; a correction is a later version."""

    work_contract_id: uuid.UUID
    period: date  # first day of the reporting period
    version: int
    hours: Decimal


@dataclass(frozen=True)
class Counted:
    total: Decimal
    by_mode: dict[str, Decimal]
    by_participant: dict[uuid.UUID, Decimal]
    declared: Decimal  # latest declared hours, before conversions and caps


def latest(declarations: Iterable[Declaration]) -> dict[tuple[uuid.UUID, date], Declaration]:
    """The latest version of each (work contract, period): what counts after any corrections."""
    current: dict[tuple[uuid.UUID, date], Declaration] = {}
    for d in declarations:
        key = (d.work_contract_id, d.period)
        if key not in current or d.version > current[key].version:
            current[key] = d
    return current


def flat_counts(contract: WorkContract, window: tuple[date, date] | None) -> bool:
    """A flat amount is credited once, on the day its work contract starts: within ``window`` (first and
    last day, both included) when the work contract starts in it."""
    return window is None or window[0] <= contract.starts_on <= window[1]


def count(
    contracts: Iterable[WorkContract],
    declarations: Iterable[Declaration],
    rules: CountingRules,
    window: tuple[date, date] | None = None,
) -> Counted:
    """``window``: the days counted (a report's year, a contract's start up to today); ``None`` counts
    every flat amount (the declarations given are those to count)."""
    by_contract: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for d in latest(declarations).values():
        by_contract[d.work_contract_id] += d.hours
    declared = sum(by_contract.values(), Decimal("0"))
    # Per participant and mode, before caps.
    raw: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(Decimal)
    for c in contracts:
        flat = rules.flat_hours.get(c.contract_type.value)
        if flat is not None:
            value = flat if flat_counts(c, window) else Decimal("0")
        elif c.mode is Mode.TRAINING:
            value = by_contract.get(c.id, Decimal("0")) * rules.training_ratio
        else:
            value = by_contract.get(c.id, Decimal("0"))
        raw[(c.participant_id, c.mode.value)] += value
    # The participant cap applies across the participant's modes, taken in a fixed order of modes.
    capped: dict[tuple[uuid.UUID, str], Decimal] = {}
    left: dict[uuid.UUID, Decimal | None] = {}
    for (participant, mode), value in sorted(raw.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        room = left.get(participant, rules.cap_per_participant)
        kept = value if room is None else min(value, room)
        capped[(participant, mode)] = kept
        left[participant] = None if room is None else room - kept
    by_mode: dict[str, Decimal] = defaultdict(Decimal)
    for (_, mode), value in capped.items():
        by_mode[mode] += value
    for mode, cap in rules.cap_per_mode.items():
        if mode in by_mode:
            by_mode[mode] = min(by_mode[mode], cap)
    # Per participant: after conversions and the participant cap, before the mode caps (a mode cap is a
    # limit on the contract's figure, not on what each person is credited with).
    by_participant: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for (participant, _), value in capped.items():
        by_participant[participant] += value
    rounded = {k: hours(v) for k, v in sorted(by_mode.items())}
    return Counted(
        total=sum(rounded.values(), Decimal("0.00")),  # the total is the sum of what each mode shows
        by_mode=rounded,
        by_participant={k: hours(v) for k, v in by_participant.items()},
        declared=hours(declared),
    )


FTE_HOURS = Decimal("1600")


def fte(total_hours: Decimal) -> Decimal:
    """Full-time equivalents as the national network counts them: 1,600 hours = 1 FTE."""
    return (total_hours / FTE_HOURS).quantize(HOURS, rounding=ROUND_HALF_UP)
