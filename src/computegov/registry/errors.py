"""The registry's refusals: a missing, forbidden or conflicting object, with its HTTP status.

Each is an :class:`~computegov.errors.InputError` (the caller asked for something wrong), so the
CLI and the API treat it as unusable input; ``status_code`` is the HTTP status the API answers.
"""

from __future__ import annotations

from computegov.errors import InputError

__all__ = ["ConflictError", "ForbiddenError", "NotFoundError"]


class NotFoundError(InputError):
    """No such report or organisation (HTTP 404)."""

    status_code = 404


class ForbiddenError(InputError):
    """The organisation may not change this object (HTTP 403)."""

    status_code = 403


class ConflictError(InputError):
    """The object exists and belongs to someone else, or already exists (HTTP 409)."""

    status_code = 409
