"""Declared hours: which periods a line may be declared for, and which periods a work contract still owes.

A line of hours is declared for a period of the work contract (from its start to its end), of the contract,
that has begun (never for a month not worked yet), within a month's (or a quarter's) plausible hours, with
the reference of its proof. Plain Python: the contract and the work contract are read by attribute.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from relais_clauses.domain.monitoring import next_period, period_of

PARIS = ZoneInfo("Europe/Paris")  # the clauses' days (a hire, a period, a check) are Paris days
MAX_HOURS_PER_MONTH = Decimal("250")  # a full-time month is about 152 h; above 250 is a typing error
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class HoursLine:
    work_contract_id: uuid.UUID
    period: date
    hours: Decimal
    reference: str


class ContractTerms(Protocol):
    @property
    def ends_on(self) -> date: ...
    @property
    def reporting_period(self) -> str: ...


class WorkTerms(Protocol):
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date | None: ...


def month_fr(day: date) -> str:
    return f"{MONTHS_FR[day.month - 1]} {day.year}"


def hours_errors(
    contract: ContractTerms, work: Mapping[uuid.UUID, WorkTerms], lines: list[HoursLine], today: date
) -> list[dict[str, str]]:
    """Every rule a line breaks, named ``lines.<i>.<field>``: hours are declared for a period of the work
    contract (from its start to its end), of the contract, that has begun (never for a month not worked yet).
    """
    months = 3 if contract.reporting_period == "quarter" else 1
    errors: list[dict[str, str]] = []

    def period_error(i: int, message: str) -> None:
        errors.append({"field": f"lines.{i}.period", "message": message, "code": "period"})

    for i, line in enumerate(lines):
        w = work.get(line.work_contract_id)
        if w is None:
            errors.append(
                {
                    "field": f"lines.{i}.work_contract_id",
                    "message": "contrat de travail inconnu sur ce marché",
                    "code": "unknown",
                }
            )
            continue
        if line.period != period_of(line.period, contract.reporting_period):
            period_error(i, "une période commence le premier jour du mois (ou du trimestre)")
        elif line.period > today:
            period_error(
                i,
                f"{month_fr(line.period)} n'a pas commencé : on déclare les heures d'une période travaillée",
            )
        elif line.period < period_of(w.starts_on, contract.reporting_period):
            period_error(
                i, f"{month_fr(line.period)} précède le début du contrat de travail ({w.starts_on:%d/%m/%Y})"
            )
        elif w.ends_on is not None and line.period > w.ends_on:
            period_error(
                i, f"{month_fr(line.period)} suit la fin du contrat de travail ({w.ends_on:%d/%m/%Y})"
            )
        elif line.period > contract.ends_on:
            period_error(i, f"{month_fr(line.period)} suit la fin du marché ({contract.ends_on:%d/%m/%Y})")
        if not Decimal("0") <= line.hours <= MAX_HOURS_PER_MONTH * months:
            errors.append(
                {
                    "field": f"lines.{i}.hours",
                    "message": f"entre 0 et {MAX_HOURS_PER_MONTH * months} heures",
                    "code": "range",
                }
            )
        if not line.reference.strip():
            errors.append(
                {
                    "field": f"lines.{i}.reference",
                    "message": "la pièce justificative est requise",
                    "code": "missing",
                }
            )
    return errors


def missing_periods(contract: ContractTerms, work: WorkTerms, declared: set[date], today: date) -> list[date]:
    """The ended periods of a work contract (from its start to its end, within the contract) with no hours
    declared: what the contractor still owes, work contract by work contract."""
    current = period_of(today, contract.reporting_period)
    last = min(d for d in (work.ends_on, contract.ends_on) if d is not None)
    missing = []
    period = period_of(work.starts_on, contract.reporting_period)
    while period < current and period <= last:
        if period not in declared:
            missing.append(period)
        period = next_period(period, contract.reporting_period)
    return missing
