"""A transparency-log monitor: checks a registry's log against what it saw before (core install).

:func:`run_monitor` fetches the signed tree head (STH), checks its signature against the pinned
log key, checks that it extends the last STH the monitor kept (a consistency proof, and, unless
turned off, by rebuilding the root from every new leaf), records where each report's leaves are,
and checks chosen reports: the report the API serves must be the one its leaves committed to,
and those leaves must be included in the signed tree; so must each verifier's counter-verdict
(its ``counter`` leaf; ``claim`` leaves are audited with every other leaf). :func:`compare_heads`
compares two monitors' STHs to catch a split view (a registry showing two histories).

Problems come back in two kinds: *evidence* (well-formed, validly signed data that contradicts
itself: the log was rewritten, rolled back or forked; the CLI exits 1), and :class:`LogProofError`
(malformed answers, a bad signature, an unreachable server; exit 2).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.registry import treehead
from computegov.registry.errors import LogProofError
from computegov.registry.logentries import (
    canonical_bytes,
    counter_entry,
    report_entry,
    verdict_entry,
)
from computegov.tlog import merkle

__all__ = [
    "MonitorResult",
    "MonitorState",
    "compare_heads",
    "fetch_json",
    "http_fetcher",
    "load_state",
    "logged_entry",
    "run_monitor",
    "save_state",
]

#: ``fetch(path) -> (HTTP status, body bytes)``; path starts with ``/api/v1/``.
Fetch = Callable[[str], tuple[int, bytes]]
_PAGE = 1000


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


def _hashes(value: Any, where: str) -> list[bytes]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise LogProofError(f"{where}: expected a list of hex hashes")
    try:
        out = [bytes.fromhex(h) for h in value]
    except ValueError:
        raise LogProofError(f"{where}: a proof hash is not hex") from None
    if any(len(h) != 32 for h in out):
        raise LogProofError(f"{where}: a proof hash is not 32 bytes")
    return out


@dataclasses.dataclass(frozen=True)
class MonitorState:
    """What a monitor keeps between runs: the pinned key, the last good STH, its frontier, report leaves."""

    url: str
    public_key_hex: str
    head: dict[str, Any]
    frontier: tuple[str, ...] = ()
    frontier_size: int = 0
    reports: dict[str, list[int | None]] = dataclasses.field(default_factory=dict)

    def tree_head(self) -> treehead.TreeHead:
        """The last good STH."""
        return treehead.TreeHead.from_dict(self.head, where="state file tree head")

    def public_key(self) -> Ed25519PublicKey:
        """The pinned log key."""
        return treehead.parse_public_key(self.public_key_hex)


def load_state(path: Path) -> MonitorState | None:
    """The state in ``path``, or None when the file does not exist.

    Raises:
        LogProofError: the file is not a monitor state.
    """
    if not path.exists():
        return None
    try:
        from computegov.inputfiles import read_input_json  # regular file, size cap, depth-limited

        data = read_input_json(path, what="monitor state file")
        state = MonitorState(str(data["url"]), str(data["public_key_hex"]), dict(data["head"]),
                             tuple(data.get("frontier", ())), int(data.get("frontier_size", 0)),
                             {str(k): list(v) for k, v in dict(data.get("reports", {})).items()})
        state.tree_head()
        merkle.Frontier(state.frontier_size, tuple(bytes.fromhex(h) for h in state.frontier))
    except (ValueError, KeyError, TypeError) as err:
        raise LogProofError(f"{path}: not a log monitor state file ({err.__class__.__name__}: {err})") from None
    return state


def save_state(path: Path, state: MonitorState) -> None:
    """Write ``state`` atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(dataclasses.asdict(state), fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclasses.dataclass(frozen=True)
class MonitorResult:
    """One monitor run: the STH seen, the evidence found (empty: all checks passed), what was checked."""

    head: treehead.TreeHead
    previous_size: int | None
    evidence: tuple[str, ...]
    leaves_audited: int
    reports_checked: tuple[str, ...]
    state: MonitorState

    @property
    def ok(self) -> bool:
        """True when no evidence of a rewritten or forked log was found."""
        return not self.evidence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"ok": self.ok, "tree_size": self.head.tree_size, "root_hash": self.head.root_hash.hex(),
                "previous_size": self.previous_size, "evidence": list(self.evidence),
                "leaves_audited": self.leaves_audited, "reports_checked": list(self.reports_checked)}


def _consistency(fetch: Fetch, old: treehead.TreeHead, new: treehead.TreeHead) -> list[str]:
    if new.tree_size < old.tree_size:
        return [f"the log shrank: signed tree head of size {new.tree_size} (root {new.root_hash.hex()}) after "
                f"one of size {old.tree_size} (root {old.root_hash.hex()}): it was rolled back or rewritten"]
    if new.tree_size == old.tree_size:
        if new.root_hash != old.root_hash:
            return [f"two signed roots for size {new.tree_size}: {old.root_hash.hex()} (before) and "
                    f"{new.root_hash.hex()} (now): the log was rewritten or forked"]
        return []
    if old.tree_size == 0:
        return []
    data = fetch_json(fetch, f"/api/v1/log/proof/consistency?first={old.tree_size}&second={new.tree_size}")
    proof = _hashes(data.get("consistency_path") if isinstance(data, dict) else None, "consistency proof")
    try:
        merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
    except LogProofError as err:
        if not err.mismatch:
            raise
        return [f"signed tree head of size {new.tree_size} does not extend the one of size {old.tree_size} "
                f"seen before ({err}): the log was rewritten or forked"]
    return []


def _audit_leaves(fetch: Fetch, frontier: merkle.Frontier, head: treehead.TreeHead,
                  reports: dict[str, list[int | None]]) -> tuple[merkle.Frontier, list[str]]:
    start = frontier.size
    while frontier.size < head.tree_size:
        end = min(frontier.size + _PAGE, head.tree_size)
        data = fetch_json(fetch, f"/api/v1/log/leaves?start={frontier.size}&end={end}")
        leaves = data.get("leaves") if isinstance(data, dict) else None
        if not isinstance(leaves, list):
            raise LogProofError("leaves: expected {'leaves': [...]}")
        hashes = []
        for expect, leaf in enumerate(leaves, start=frontier.size):
            if not isinstance(leaf, dict) or not isinstance(leaf.get("entry"), str):
                raise LogProofError(f"leaf {expect}: malformed")
            if leaf.get("leaf_index") != expect:
                return frontier, [f"leaf {expect} is missing from the log (got {leaf.get('leaf_index')} in its place)"]
            h = merkle.leaf_hash(leaf["entry"].encode())
            if h.hex() != leaf.get("leaf_hash"):
                return frontier, [f"leaf {expect}: its entry does not hash to its leaf hash: the entry was edited"]
            hashes.append(h)
            if leaf.get("kind") in ("report", "verdict"):
                slot = reports.setdefault(str(leaf.get("subject")), [None, None])
                slot[0 if leaf["kind"] == "report" else 1] = expect
        if not hashes:
            return frontier, [f"leaves {frontier.size}..{end - 1} are missing from the log"]
        frontier = frontier.extend(hashes)
    if frontier.root() != head.root_hash:
        return frontier, [f"the leaves served (0..{head.tree_size - 1}) do not build the signed root "
                          f"{head.root_hash.hex()}: stored leaves were changed, deleted or reordered"
                          + (f" (checked from leaf {start})" if start else "")]
    return frontier, []


def logged_entry(fetch: Fetch, index: int, head: treehead.TreeHead) -> tuple[dict[str, Any] | None, list[str]]:
    """(the entry of leaf ``index``, []) when its inclusion in ``head``'s tree verifies, else (None, evidence).

    Raises:
        LogProofError: an unreachable log, or a malformed answer or proof.
    """
    data = fetch_json(fetch, f"/api/v1/log/leaves?start={index}&end={index + 1}")
    leaves = data.get("leaves") if isinstance(data, dict) else None
    if not isinstance(leaves, list) or len(leaves) != 1 or not isinstance(leaves[0].get("entry"), str):
        return None, [f"leaf {index} is missing from the log"]
    h = merkle.leaf_hash(leaves[0]["entry"].encode())
    proof = fetch_json(fetch, f"/api/v1/log/proof/inclusion?index={index}&tree_size={head.tree_size}")
    path = _hashes(proof.get("audit_path") if isinstance(proof, dict) else None, "inclusion proof")
    try:
        merkle.verify_inclusion(h, index, head.tree_size, path, head.root_hash)
    except LogProofError as err:
        if not err.mismatch:
            raise
        return None, [f"leaf {index} is not included in the signed tree of size {head.tree_size}: {err}"]
    return json.loads(leaves[0]["entry"]), []


def _check_report(fetch: Fetch, digest: str, head: treehead.TreeHead, known: list[int | None] | None) -> list[str]:
    status, body = fetch(f"/api/v1/reports/{digest}")
    if status == 404:
        if known:
            return [f"report {digest} is in the log (leaf {known[0]}) but the registry answers 404: it was deleted"]
        raise LogProofError(f"no report {digest} in the registry or in the log seen so far")
    if status != 200:
        raise LogProofError(f"GET report {digest}: HTTP {status}")
    report = json.loads(body)
    served = report.get("log") or {}
    leaves = [served.get("report_leaf"), served.get("verdict_leaf")]
    if known and [k for k in known if k is not None] and leaves != known:
        return [f"report {digest}: the registry points to leaves {leaves}, the log holds it at {known}"]
    if None in leaves:
        return [f"report {digest} is served but has no leaf in the log"]
    ledger_text = None
    if report.get("has_ledger"):
        ls, lb = fetch(f"/api/v1/reports/{digest}/ledger")
        ledger_text = lb.decode() if ls == 200 else None
    rebuilt = [
        report_entry(digest_sha256=digest, organisation=report.get("organisation", ""),
                     signer_keyid=report.get("signer_keyid"), envelope=report.get("envelope") or {},
                     ledger_text=ledger_text, title=report.get("title", ""), total_flop=report.get("total_flop")),
        verdict_entry(report_digest=digest, verifier=report.get("verifier", ""), outcome=report.get("outcome", ""),
                      partial=bool(report.get("partial")), verdict=report.get("verdict") or {}),
    ]
    evidence: list[str] = []
    for index, want in zip(leaves, rebuilt, strict=True):
        if not isinstance(index, int):
            raise LogProofError(f"report {digest}: leaf index {index!r} is not an integer")
        entry, problems = logged_entry(fetch, index, head)
        evidence += problems
        if entry is not None and canonical_bytes(entry) != canonical_bytes(want):
            fields = sorted(k for k in set(entry) | set(want) if entry.get(k) != want.get(k))
            evidence.append(f"report {digest} as served differs from what leaf {index} committed to "
                            f"(fields: {', '.join(fields)}): it was edited after it was logged")
    if digest != report.get("digest_sha256") or rebuilt[0]["envelope_sha256"] != digest:
        evidence.append(f"report {digest}: the served envelope does not hash to its digest")
    return evidence + _check_counters(fetch, digest, head)


def _check_counters(fetch: Fetch, digest: str, head: treehead.TreeHead) -> list[str]:
    """Each verifier's counter-verdict as served must be what its ``counter`` leaf committed to."""
    status, body = fetch(f"/api/v1/reports/{digest}/verdicts")
    if status == 404:  # a registry without verifiers
        return []
    if status != 200:
        raise LogProofError(f"GET verdicts of {digest}: HTTP {status}")
    served = json.loads(body).get("counter_verdicts")
    if not isinstance(served, list):
        raise LogProofError(f"GET verdicts of {digest}: expected counter_verdicts: [...]")
    evidence: list[str] = []
    for c in served:
        index = c.get("leaf_index") if isinstance(c, dict) else None
        if not isinstance(index, int) or not isinstance(c.get("payload"), dict):
            raise LogProofError(f"report {digest}: a counter-verdict has no leaf index or payload")
        entry, problems = logged_entry(fetch, index, head)
        evidence += problems
        want = counter_entry(report_digest=digest, by=str(c.get("organisation", "")),
                             signer_keyid=str(c.get("signer_keyid", "")), outcome=str(c.get("outcome", "")),
                             payload=c["payload"], envelope=c.get("envelope") or {})
        if entry is not None and canonical_bytes(entry) != canonical_bytes(want):
            fields = sorted(k for k in set(entry) | set(want) if entry.get(k) != want.get(k))
            evidence.append(f"report {digest}: {c.get('organisation')}'s counter-verdict as served differs from "
                            f"what leaf {index} committed to (fields: {', '.join(fields)}): it was edited after "
                            "it was logged")
    return evidence


def run_monitor(fetch: Fetch, url: str, state: MonitorState | None, *, pin_key: Ed25519PublicKey | None = None,
                reports: Iterable[str] = (), all_reports: bool = False, audit_leaves: bool = True) -> MonitorResult:
    """Check the log at ``url`` against ``state`` (None: first run, which pins the key it is given or fetches).

    Raises:
        LogProofError: malformed answers, a tree head not signed by the pinned key, an unreachable server.
    """
    if state is not None and pin_key is not None and pin_key.public_bytes_raw().hex() != state.public_key_hex:
        raise LogProofError("--pin-key is not the key pinned in the state file; start a new state file")
    key = pin_key or (state.public_key() if state else
                      treehead.parse_public_key(str(fetch_json(fetch, "/api/v1/log/key").get("public_key_hex", ""))))
    head = treehead.TreeHead.from_dict(fetch_json(fetch, "/api/v1/log/sth"), where="signed tree head")
    treehead.verify_tree_head(head, key)
    previous = state.tree_head() if state else None
    if previous is not None:
        treehead.verify_tree_head(previous, key)
    evidence = _consistency(fetch, previous, head) if previous else []
    frontier = (merkle.Frontier(state.frontier_size, tuple(bytes.fromhex(h) for h in state.frontier))
                if state else merkle.Frontier())
    known = {k: list(v) for k, v in (state.reports if state else {}).items()}
    audited = 0
    if not evidence and audit_leaves and head.tree_size > frontier.size:
        before = frontier.size
        frontier, problems = _audit_leaves(fetch, frontier, head, known)
        evidence += problems
        audited = frontier.size - before
    wanted = list(dict.fromkeys([*reports, *(known if all_reports else ())]))
    for digest in wanted:
        evidence += _check_report(fetch, digest, head, known.get(digest))
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    new_state = MonitorState(url, raw, head.to_dict(), tuple(h.hex() for h in frontier.hashes), frontier.size, known)
    return MonitorResult(head, previous.tree_size if previous else None, tuple(evidence), audited,
                         tuple(wanted), new_state if not evidence else state or new_state)


def compare_heads(a: treehead.TreeHead, b: treehead.TreeHead, fetch: Fetch | None) -> list[str]:
    """Evidence that two signed tree heads belong to two histories (a split view); empty when consistent.

    Raises:
        LogProofError: heads of different sizes and no log to ask for a consistency proof.
    """
    small, large = sorted((a, b), key=lambda h: h.tree_size)
    if small.tree_size == large.tree_size or small.tree_size == 0:
        return _consistency(fetch or (lambda p: (500, b"")), small, large)
    if fetch is None:
        raise LogProofError(f"tree heads of sizes {small.tree_size} and {large.tree_size}: give a log URL "
                            "(--via URL) to fetch the consistency proof between them")
    found = _consistency(fetch, small, large)
    return [f"split view: {e}" for e in found]
