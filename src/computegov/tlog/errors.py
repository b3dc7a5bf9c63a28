"""The transparency log's one error: a proof, note, checkpoint or size that does not check out.

``ComputegovError`` -> ``InputError`` -> :class:`LogProofError`. ``mismatch`` separates *evidence*
(well-formed, validly signed data that contradicts itself or an earlier view: a rewritten or
forked log) from malformed input (a bad proof encoding, an unknown key, an unreachable log).
"""

from __future__ import annotations

from computegov.errors import InputError

__all__ = ["LogProofError"]


class LogProofError(InputError):
    """A transparency-log proof, signed note, checkpoint or size that does not check out (HTTP 422, exit 2).

    Attributes:
        mismatch: True when well-formed data reached a different root (evidence that the log
            was rewritten), False when the data itself was malformed.
    """

    status_code = 422

    def __init__(self, message: str, *, mismatch: bool = False) -> None:
        self.mismatch = mismatch
        super().__init__(message)
