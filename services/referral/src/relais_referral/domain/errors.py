"""Errors that users cause; the API maps each to a stable problem type."""

from relais_shared import errors


class DomainError(Exception):
    """Base of rule violations."""


class InvalidTransition(DomainError):
    def __init__(self, current: str, action: str) -> None:
        super().__init__(f"cannot {action} a referral that is {current}")
        self.current = current
        self.action = action


class NotAllowed(DomainError, errors.NotAllowed):
    """The caller's organisation or role may not take this action now."""


class InvalidReferral(DomainError):
    """The referral itself breaks a rule (same sender and receiver, unknown organisation…)."""
