"""Errors of the service layer."""

from relais_shared import errors


class NotFound(errors.NotFound):
    """Unknown, or outside the caller's organisation's perimeter: the API answers 404 either way."""
