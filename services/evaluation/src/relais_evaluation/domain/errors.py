"""Input that breaks a rule of the evaluation domain, with the fields it concerns (answered 422)."""

from __future__ import annotations


class InvalidInput(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors
