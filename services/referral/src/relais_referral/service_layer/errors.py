"""Errors of the service layer."""


class NotFound(Exception):
    """Unknown, or outside the caller's organisation's perimeter: the API answers 404 either way."""
