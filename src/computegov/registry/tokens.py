"""API tokens for the registry: random secrets shown once, stored only as a SHA-256 hash.

A token looks like ``cgr_<43 url-safe characters>`` (256 bits from :mod:`secrets`). The
database keeps ``sha256(token)`` in hex and the first characters for display; the token itself
is never stored, so a copy of the database does not let anyone submit reports.
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = ["TOKEN_PREFIX", "display_prefix", "hash_token", "looks_like_token", "new_token"]

#: Every registry token starts with this, so leaked tokens are easy to find with secret scanners.
TOKEN_PREFIX = "cgr_"
_TOKEN_RE = re.compile(r"^cgr_[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    """A fresh random token: ``cgr_`` + 32 random bytes, URL-safe base64 (43 characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(text: str) -> bool:
    """True if ``text`` has the shape of a registry token (says nothing about validity)."""
    return bool(_TOKEN_RE.fullmatch(text))


def hash_token(token: str) -> str:
    """SHA-256 of the token's UTF-8 bytes, lowercase hex (64 characters).

    A plain hash (no salt, no slow KDF) is enough here because tokens carry 256 random bits:
    there is nothing to brute-force, and a lookup by hash needs a deterministic function.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    """The first 8 characters after ``cgr_``, safe to show in listings and audit entries."""
    return token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 8]
