"""Yearly report of insertion clauses (as the national network consolidates them): its rows and totals.

A report row is one contract and a year: hours counted in the year (by mode), FTE (1,600 h), participants
and work contracts, by public category (the eligibility criteria), sex, age band and QPV residence. The
totals count each person once, described by their first work contract of the year. Plain Python: the work
contracts, participants and decisions are read by attribute.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from relais_clauses.domain import counting


@dataclass
class ReportRow:
    contract_id: str
    reference: str
    buyer_org_id: str
    contractor_siret: str
    year: int
    hours: Decimal
    fte: Decimal
    hours_by_mode: dict[str, Decimal]
    participants: int
    work_contracts: int
    participants_by_category: dict[str, int] = field(default_factory=dict)
    participants_by_sex: dict[str, int] = field(default_factory=dict)
    participants_by_age_band: dict[str, int] = field(default_factory=dict)
    participants_in_qpv: int = 0


@dataclass
class ReportTotals:
    """The report's figures over all its contracts: a person hired on two contracts is one participant
    (and is described once, by their first work contract of the year)."""

    year: int
    hours: Decimal
    fte: Decimal
    hours_by_mode: dict[str, Decimal]
    participants: int
    work_contracts: int
    participants_by_category: dict[str, int] = field(default_factory=dict)
    participants_by_sex: dict[str, int] = field(default_factory=dict)
    participants_by_age_band: dict[str, int] = field(default_factory=dict)
    participants_in_qpv: int = 0


class HiredOn(Protocol):
    @property
    def decision_id(self) -> uuid.UUID: ...


class Described(Protocol):
    @property
    def sex(self) -> str | None: ...
    @property
    def age_band(self) -> str | None: ...
    @property
    def qpv_resident(self) -> bool | None: ...


class Decided(Protocol):
    @property
    def criteria(self) -> list[str]: ...


Description = tuple[Counter[str], Counter[str], Counter[str], int]


def describe(
    people: Mapping[uuid.UUID, HiredOn],
    participants: Mapping[uuid.UUID, Described],
    decisions: Mapping[uuid.UUID, Decided],
) -> Description:
    """Each person once: public category (the first criterion of the decision of the work contract
    given), sex, age band, and how many live in a QPV."""
    category = Counter(
        decisions[w.decision_id].criteria[0] for w in people.values() if w.decision_id in decisions
    )
    sex = Counter((participants[p].sex or "non_renseigne") for p in people if p in participants)
    age = Counter((participants[p].age_band or "non_renseigne") for p in people if p in participants)
    qpv = sum(1 for p in people if p in participants and participants[p].qpv_resident)
    return category, sex, age, qpv


def row_of(
    *,
    contract_id: uuid.UUID,
    reference: str,
    buyer_org_id: uuid.UUID,
    contractor_siret: str,
    year: int,
    counted: counting.Counted,
    participants: int,
    work_contracts: int,
    description: Description,
) -> ReportRow:
    category, sex, age, qpv = description
    return ReportRow(
        contract_id=str(contract_id),
        reference=reference,
        buyer_org_id=str(buyer_org_id),
        contractor_siret=contractor_siret,
        year=year,
        hours=counted.total,
        fte=counting.fte(counted.total),
        hours_by_mode=counted.by_mode,
        participants=participants,
        work_contracts=work_contracts,
        participants_by_category=dict(sorted(category.items())),
        participants_by_sex=dict(sorted(sex.items())),
        participants_by_age_band=dict(sorted(age.items())),
        participants_in_qpv=qpv,
    )


def totals_of(
    year: int, rows: Sequence[ReportRow], participants: int, description: Description
) -> ReportTotals:
    """The rows' hours and work contracts added up; ``participants`` and ``description`` count each
    person once."""
    category, sex, age, qpv = description
    by_mode: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for mode, amount in row.hours_by_mode.items():
            by_mode[mode] += amount
    total = sum((row.hours for row in rows), Decimal("0.00"))
    return ReportTotals(
        year=year,
        hours=total,
        fte=counting.fte(total),
        hours_by_mode=dict(sorted(by_mode.items())),
        participants=participants,
        work_contracts=sum(row.work_contracts for row in rows),
        participants_by_category=dict(sorted(category.items())),
        participants_by_sex=dict(sorted(sex.items())),
        participants_by_age_band=dict(sorted(age.items())),
        participants_in_qpv=qpv,
    )


def window_of(year: int) -> tuple[date, date]:
    return (date(year, 1, 1), date(year, 12, 31))
