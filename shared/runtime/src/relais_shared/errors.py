"""Errors a service's handlers raise; the app factory answers each with its problem+json once for all.

``NotFound`` (404: unknown, or outside the caller's perimeter, which must not be told apart),
``NotAllowed`` (403: the caller's role or organisation may not do this), ``Conflict`` (409: the current
state forbids it). Services subclass them for their own cases.
"""


class NotFound(Exception):
    """Unknown, or outside the caller's organisation's perimeter: answered 404 either way."""


class NotAllowed(Exception):
    """The caller's role or organisation may not do this."""


class Conflict(Exception):
    """The current state of the resource forbids the request."""
