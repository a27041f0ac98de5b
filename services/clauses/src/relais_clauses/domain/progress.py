"""Progress of a clause obligation, and the reconciliation at the end of the contract.

Expected to date: linear over the contract period unless a schedule (cumulative hours by date) is given.
At risk: the projection of what has been realised, at the pace so far, falls short of the requirement.
At the end: fulfilled, or a shortfall whose penalty is computed by the contract's rule; the penalty is
only proposed until the contradictory procedure (the contractor's observations, the buyer's decision)
makes it final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENTS = Decimal("0.01")


def expected_to_date(
    required: Decimal,
    starts_on: date,
    ends_on: date,
    today: date,
    schedule: list[tuple[date, Decimal]] | None = None,
) -> Decimal:
    if schedule:
        due = [cumulative for day, cumulative in sorted(schedule) if day <= today]
        return min(required, due[-1]) if due else Decimal("0.00")
    if today <= starts_on:
        return Decimal("0.00")
    if today >= ends_on:
        return required
    elapsed = (today - starts_on).days
    total = (ends_on - starts_on).days
    return (required * elapsed / total).quantize(CENTS, rounding=ROUND_HALF_UP)


def projected(realised: Decimal, starts_on: date, ends_on: date, today: date) -> Decimal:
    """What will be realised at the end at the pace so far."""
    if today >= ends_on:
        return realised
    elapsed = max(1, (today - starts_on).days)
    total = max(1, (ends_on - starts_on).days)
    return (realised * total / elapsed).quantize(CENTS, rounding=ROUND_HALF_UP)


def at_risk(required: Decimal, realised: Decimal, starts_on: date, ends_on: date, today: date) -> bool:
    """Short of the requirement at the current pace, once a tenth of the period has passed (before that
    a slow start says nothing)."""
    if today <= starts_on or realised >= required:
        return False
    if (today - starts_on) * 10 < (ends_on - starts_on):
        return False
    return projected(realised, starts_on, ends_on, today) < required


def first_at_risk_day(required: Decimal, realised: Decimal, starts_on: date, ends_on: date) -> date | None:
    """With no more hours declared, the first day the obligation turns at risk (for the monitor's timer)."""
    day = starts_on
    while day <= ends_on:
        if at_risk(required, realised, starts_on, ends_on, day):
            return day
        day += timedelta(days=1)
    return None


class PenaltyRule(StrEnum):
    PER_MISSING_HOUR = "per_missing_hour"  # missing hours × hourly amount
    PER_MISSING_HOUR_CAPPED = "per_missing_hour_capped"  # the same, capped at a share of the contract
    NONE = "none"


@dataclass(frozen=True)
class Penalty:
    rule: PenaltyRule
    hourly_amount: Decimal = Decimal("0")
    cap_share: Decimal | None = None  # e.g. 0.10 of the contract amount

    def amount(self, missing_hours: Decimal, contract_amount: Decimal) -> Decimal:
        if self.rule is PenaltyRule.NONE or missing_hours <= 0:
            return Decimal("0.00")
        value = missing_hours * self.hourly_amount
        if self.rule is PenaltyRule.PER_MISSING_HOUR_CAPPED and self.cap_share is not None:
            value = min(value, contract_amount * self.cap_share)
        return value.quantize(CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Reconciliation:
    required: Decimal
    realised: Decimal
    missing: Decimal
    penalty: Decimal

    @property
    def fulfilled(self) -> bool:
        return self.missing == 0


def reconcile(
    required_mandatory: Decimal, realised: Decimal, penalty: Penalty, contract_amount: Decimal
) -> Reconciliation:
    """Only the mandatory hours can be penalised; optional hours are a commitment without a sanction."""
    missing = max(Decimal("0.00"), required_mandatory - realised)
    return Reconciliation(
        required=required_mandatory,
        realised=realised,
        missing=missing,
        penalty=penalty.amount(missing, contract_amount),
    )


class PenaltyStatus(StrEnum):
    PROPOSED = "proposed"  # the shortfall is notified, the contractor's observations are awaited
    OBSERVATIONS_RECEIVED = "observations_received"
    FINAL = "final"  # the buyer decided, after the contradictory step
    WAIVED = "waived"


@dataclass
class PenaltyProcedure:
    """The contradictory procedure (procédure contradictoire) before any penalty is applied."""

    proposed_amount: Decimal
    notified_on: date
    observations_due: date
    status: PenaltyStatus = PenaltyStatus.PROPOSED
    final_amount: Decimal | None = None

    @classmethod
    def open(cls, amount: Decimal, notified_on: date, delay_days: int) -> PenaltyProcedure:
        return cls(amount, notified_on, notified_on + timedelta(days=delay_days))

    def observe(self) -> None:
        if self.status is not PenaltyStatus.PROPOSED:
            raise ValueError("les observations ne sont reçues que tant que la pénalité est proposée")
        self.status = PenaltyStatus.OBSERVATIONS_RECEIVED

    def decide(self, amount: Decimal, today: date) -> None:
        """The buyer decides once the contractor has answered or the delay for observations has passed.

        The messages are the API's problem ``detail``, read by the buyer and the contractor: in French."""
        if self.status in (PenaltyStatus.FINAL, PenaltyStatus.WAIVED):
            raise ValueError("la pénalité est déjà arrêtée")
        if self.status is PenaltyStatus.PROPOSED and today <= self.observations_due:
            raise ValueError(
                f"le titulaire peut présenter ses observations jusqu'au {self.observations_due:%d/%m/%Y}"
            )
        if amount < 0 or amount > self.proposed_amount:
            raise ValueError("le montant arrêté est compris entre zéro et la pénalité proposée")
        self.final_amount = amount
        self.status = PenaltyStatus.FINAL if amount > 0 else PenaltyStatus.WAIVED
