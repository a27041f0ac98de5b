"""Referral deadlines as a versioned setting (DOMAIN.md rule 2), per receiving organisation kind.

Practice differs between territories: no value here is a rule of law. The defaults are those of the
domain page; a coordinator publishes a new version to change them, and each referral keeps the
version in force when it was submitted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReferralPolicy:
    version: int = 1
    reminder_days: int = 3
    acknowledgement_days: int = 5
    manager_escalation_days: int = 5
    coordination_escalation_days: int = 10
    expiry_days: int = 30
    reorient_days: int = 10
    appointment_outcome_days: int = 1
    decision_days: int = 10
    max_no_shows: int = 2
    unaccompanied_days: int = 5

    def __post_init__(self) -> None:
        ordered = (
            self.reminder_days,
            self.acknowledgement_days,
            self.coordination_escalation_days,
            self.expiry_days,
        )
        if list(ordered) != sorted(ordered) or min(ordered) < 1:
            raise ValueError("reminder ≤ acknowledgement ≤ coordination escalation ≤ expiry, all ≥ 1 day")
        if self.manager_escalation_days < self.reminder_days:
            raise ValueError("the manager is never alerted before the reminder")
        if self.max_no_shows < 1 or self.reorient_days < 1 or self.unaccompanied_days < 1:
            raise ValueError("no-shows, re-orientation and unaccompanied delays must be ≥ 1")


DEFAULT_POLICY = ReferralPolicy()
