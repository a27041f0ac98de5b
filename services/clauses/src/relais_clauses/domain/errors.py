"""Errors the clause rules raise; the API answers them as problem+json ``validation-error``."""

from __future__ import annotations


class InvalidClause(ValueError):
    """Input that breaks a clause rule (dates, hours, SIRET, periods…); ``errors`` may name fields."""

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []
