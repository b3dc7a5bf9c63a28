"""How a log entry is encoded: canonical JSON, UTF-8; its leaf hash is RFC 6962's.

Canonical JSON here is sorted keys, no whitespace, UTF-8 without escapes, no NaN; an entry is
stored and served as exactly those bytes, so anyone holding them recomputes the leaf hash
``SHA-256(0x00 || entry)`` without trusting the server's parse.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from computegov.tlog.merkle import leaf_hash

__all__ = ["canonical_bytes", "entry_leaf_hash", "sha256_hex"]


def canonical_bytes(obj: Any) -> bytes:
    """Canonical JSON of ``obj`` as UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 (hex) of bytes, or of a string's UTF-8."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def entry_leaf_hash(entry: bytes | str) -> bytes:
    """The RFC 6962 leaf hash of an entry's exact bytes (a string is taken as UTF-8)."""
    return leaf_hash(entry.encode() if isinstance(entry, str) else entry)
