"""Offline receipts: an entry, its inclusion proof and a signed checkpoint (like a Rekor bundle).

A :class:`Receipt` verifies with nothing but the log's public key (and, if wanted, witness keys):
the checkpoint's signatures, the entry's leaf hash recomputed from its exact bytes, and the
RFC 9162 inclusion proof to the checkpoint's root. No server is contacted.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Sequence
from typing import Any

from computegov.tlog.checkpoint import LogKey, SignedCheckpoint, open_checkpoint
from computegov.tlog.cosignature import CosignatureVerifier
from computegov.tlog.entries import entry_leaf_hash
from computegov.tlog.errors import LogProofError
from computegov.tlog.merkle import verify_inclusion

__all__ = ["RECEIPT_FORMAT", "Receipt", "verify_receipt"]

RECEIPT_FORMAT = "computegov-tlog-receipt/v1"


@dataclasses.dataclass(frozen=True)
class Receipt:
    """Entry text (exactly as hashed), its index, the inclusion proof and the checkpoint note."""

    entry: str
    leaf_index: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (proof hashes in base64)."""
        return {"format": RECEIPT_FORMAT, "entry": self.entry, "leaf_index": self.leaf_index,
                "inclusion_proof": [base64.b64encode(h).decode() for h in self.inclusion_proof],
                "checkpoint": self.checkpoint}

    @classmethod
    def from_dict(cls, data: Any) -> Receipt:
        """Parse the JSON form.

        Raises:
            LogProofError: not a receipt.
        """
        if not isinstance(data, dict) or data.get("format") != RECEIPT_FORMAT:
            raise LogProofError(f"receipt: expected a JSON object with format {RECEIPT_FORMAT!r}")
        entry, index, proof, cp = (data.get("entry"), data.get("leaf_index"), data.get("inclusion_proof"),
                                   data.get("checkpoint"))
        if not (isinstance(entry, str) and isinstance(index, int) and not isinstance(index, bool) and index >= 0
                and isinstance(proof, list) and all(isinstance(h, str) for h in proof) and isinstance(cp, str)):
            raise LogProofError("receipt: entry (text), leaf_index (integer), inclusion_proof (base64 list) and "
                                "checkpoint (note text) are required")
        try:
            hashes = tuple(base64.b64decode(h, validate=True) for h in proof)
        except (binascii.Error, ValueError):
            raise LogProofError("receipt: an inclusion proof hash is not base64") from None
        return cls(entry, index, hashes, cp)


def verify_receipt(receipt: Receipt, log_key: LogKey, *, witnesses: Sequence[CosignatureVerifier] = (),
                   min_witnesses: int = 0, now_s: int | None = None,
                   max_age_s: float | None = None) -> SignedCheckpoint:
    """Check a receipt offline; return its verified checkpoint.

    Raises:
        LogProofError: a bad checkpoint signature or policy, or an entry not included
            (``mismatch`` True when a well-formed proof reached another root).
    """
    cp = open_checkpoint(receipt.checkpoint, log_key, witnesses=witnesses, min_witnesses=min_witnesses,
                         now_s=now_s, max_age_s=max_age_s)
    verify_inclusion(entry_leaf_hash(receipt.entry), receipt.leaf_index, cp.size, list(receipt.inclusion_proof),
                     cp.root_hash)
    return cp
