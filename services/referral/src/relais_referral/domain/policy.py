"""Referral deadlines as a versioned setting (DOMAIN.md rule 2), per receiving organisation kind.

Practice differs between territories: no value here is a rule of law. The defaults are those of the
domain page; a coordinator publishes a new version to change them, and each referral keeps the
version in force when it was submitted.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a coordinator is told when a new version breaks a rule (the API's problem detail).
ORDER_RULE = (
    "Les délais se suivent : la relance au plus tard à l'accusé de réception, l'accusé de réception au plus "
    "tard à l'alerte à la coordination, cette alerte au plus tard à l'expiration ; chacun d'au moins 1 jour."
)
MANAGER_RULE = "L'alerte au responsable ne peut pas venir avant la relance."
AT_LEAST_ONE_RULE = "Les absences admises, la réorientation et le délai sans référent valent au moins 1."


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
            raise ValueError(ORDER_RULE)
        if self.manager_escalation_days < self.reminder_days:
            raise ValueError(MANAGER_RULE)
        if self.max_no_shows < 1 or self.reorient_days < 1 or self.unaccompanied_days < 1:
            raise ValueError(AT_LEAST_ONE_RULE)


DEFAULT_POLICY = ReferralPolicy()
