"""The registry's refusals: an invalid submission, a missing, forbidden or conflicting object.

Each is an :class:`~computegov.errors.InputError` (the caller asked for something wrong), so the
CLI and the API treat it as unusable input; ``status_code`` is the HTTP status the API answers.
"""

from __future__ import annotations

from computegov.errors import InputError
from computegov.tlog.errors import LogProofError  # the log's own error, re-exported

__all__ = ["ConflictError", "ForbiddenError", "LogProofError", "NotFoundError", "SubmissionError"]


class SubmissionError(InputError):
    """A submission that cannot be accepted; ``field`` names the offending part.

    Attributes:
        field: dotted path of the bad field, e.g. ``envelope.signatures[0].sig``.
        status_code: HTTP status the API answers with (422 unless said otherwise).
    """

    def __init__(self, field: str, message: str, status_code: int = 422) -> None:
        self.field = field
        self.status_code = status_code
        super().__init__(f"{field}: {message}")


class NotFoundError(InputError):
    """No such report or organisation (HTTP 404)."""

    status_code = 404


class ForbiddenError(InputError):
    """The organisation may not change this object, or submit this report (HTTP 403).

    A report signed by a key that is not registered to the submitting organisation (unknown,
    revoked, or registered to another organisation) is refused with this error; the message
    names the key id, and so does ``keyid``.

    Attributes:
        keyid: the key id a refusal is about, or None.
    """

    status_code = 403

    def __init__(self, message: str, *, keyid: str | None = None) -> None:
        self.keyid = keyid
        super().__init__(message)


class ConflictError(InputError):
    """The object exists and belongs to someone else, or already exists (HTTP 409)."""

    status_code = 409
