"""The registry's log API as a client sees it: HTTP GETs, JSON, and a C2SP :class:`~computegov.tlog.monitor.LogSource`.

A registry that answers but refuses to serve what a log must serve (an HTTP status other than 200
on its checkpoint, entries, proofs or state) is *evidence* (``LogProofError`` with ``mismatch``
True); an unreachable registry or an answer that is not JSON is an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from computegov.registry.errors import LogProofError
from computegov.tlog.checkpoint import LogKey, SignedCheckpoint, open_checkpoint
from computegov.tlog.cosignature import CosignatureVerifier

__all__ = ["PAGE", "Fetch", "HttpLogSource", "fetch_json", "http_fetcher", "proof_hashes", "served_json",
           "witnessed_checkpoint"]

#: ``fetch(path) -> (HTTP status, body bytes)``; path starts with ``/api/v1/``.
Fetch = Callable[[str], tuple[int, bytes]]
#: Leaves asked for per request (the API's page limit).
PAGE = 1000


def http_fetcher(base_url: str, *, timeout_s: float = 30.0) -> Fetch:
    """A :data:`Fetch` over HTTP(S): GETs through :func:`~computegov.registry.audit_client.http_transport`.

    Raises:
        LogProofError: ``base_url`` is not an http(s) URL; later, when the registry cannot be reached.
    """
    from computegov.errors import InputError
    from computegov.registry.audit_client import http_transport

    try:
        transport = http_transport(base_url, None, timeout_s=timeout_s, what="URL")
    except InputError as err:
        raise LogProofError(str(err)) from None

    def fetch(path: str) -> tuple[int, bytes]:
        try:
            return transport("GET", path, None)
        except InputError as err:
            raise LogProofError(f"{err} (GET {path})") from None

    return fetch


def fetch_json(fetch: Fetch, path: str) -> Any:
    """GET ``path`` and parse JSON.

    Raises:
        LogProofError: not HTTP 200, or not JSON.
    """
    status, body = fetch(path)
    if status != 200:
        raise LogProofError(f"GET {path}: HTTP {status}: {body[:200].decode(errors='replace')}")
    try:
        return json.loads(body)
    except ValueError:
        raise LogProofError(f"GET {path}: not JSON") from None


def proof_hashes(value: Any, where: str) -> list[bytes]:
    """32-byte hashes from a JSON list of hex strings.

    Raises:
        LogProofError: not a list of 64-hex-digit strings.
    """
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise LogProofError(f"{where}: expected a list of hex hashes")
    try:
        out = [bytes.fromhex(h) for h in value]
    except ValueError:
        raise LogProofError(f"{where}: a proof hash is not hex") from None
    if any(len(h) != 32 for h in out):
        raise LogProofError(f"{where}: a proof hash is not 32 bytes")
    return out


def served_json(fetch: Fetch, path: str) -> Any:
    """GET ``path`` from a registry that answered: a refusal (HTTP status not 200) is evidence.

    Raises:
        LogProofError: ``mismatch`` True when the registry refused to serve it; False when the
            answer is not JSON.
    """
    status, body = fetch(path)
    if status != 200:
        raise LogProofError(f"GET {path}: HTTP {status}: {body[:200].decode(errors='replace')}", mismatch=True)
    try:
        return json.loads(body)
    except ValueError:
        raise LogProofError(f"GET {path}: not JSON") from None


class HttpLogSource:
    """A :class:`~computegov.tlog.monitor.LogSource` over the registry's ``/api/v1/log`` API."""

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch

    def checkpoint(self) -> str:
        """GET ``/api/v1/log/checkpoint``."""
        status, body = self.fetch("/api/v1/log/checkpoint")
        if status != 200:
            raise LogProofError(f"the log will not serve its checkpoint: GET /api/v1/log/checkpoint: HTTP {status}: "
                                f"{body[:200].decode(errors='replace')}", mismatch=True)
        return body.decode(errors="replace")

    def entries(self, start: int, end: int) -> list[bytes]:
        """GET a page of leaves; only the run of consecutive indexes from ``start`` is returned."""
        data = served_json(self.fetch, f"/api/v1/log/leaves?start={start}&end={min(end, start + PAGE)}")
        leaves = data.get("leaves") if isinstance(data, dict) else None
        if not isinstance(leaves, list):
            raise LogProofError("leaves: expected {'leaves': [...]}")
        out = []
        for expect, leaf in enumerate(leaves, start=start):
            if not isinstance(leaf, dict) or not isinstance(leaf.get("entry"), str):
                raise LogProofError(f"leaf {expect}: malformed")
            if leaf.get("leaf_index") != expect:
                break
            out.append(leaf["entry"].encode())
        return out

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """GET the consistency proof; any refusal is a :class:`LogProofError`."""
        status, body = self.fetch(f"/api/v1/log/proof/consistency?first={old_size}&second={new_size}")
        if status != 200:
            raise LogProofError(f"HTTP {status}: {body[:200].decode(errors='replace')}")
        try:
            data = json.loads(body)
        except ValueError:
            raise LogProofError("consistency proof: not JSON") from None
        return proof_hashes(data.get("consistency_path") if isinstance(data, dict) else None, "consistency proof")


def witnessed_checkpoint(fetch: Fetch, log_key: LogKey, *, witnesses: Iterable[CosignatureVerifier] = (),
                         min_witnesses: int = 0, max_age_s: float | None = None,
                         now_s: int | None = None) -> SignedCheckpoint:
    """The registry's checkpoint, verified against the log key, a k-of-n witness policy and an age limit.

    For clients (such as ``registry audit``) that must not trust a log view no quorum of witnesses
    has checked.

    Raises:
        LogProofError: not the log's, no quorum, stale (``mismatch`` True for the last two).
    """
    import time

    note = HttpLogSource(fetch).checkpoint()
    return open_checkpoint(note, log_key, witnesses=list(witnesses), min_witnesses=min_witnesses,
                           now_s=int(time.time()) if now_s is None else now_s, max_age_s=max_age_s)
