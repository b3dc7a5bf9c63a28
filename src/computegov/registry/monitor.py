"""A monitor of the registry's transparency log, and of what the registry serves (core install).

:func:`run_monitor` needs only the log's public key (pinned, or trusted on first use):

1. the C2SP checkpoint (``/api/v1/log/checkpoint``) must verify against the key, carry the witness
   cosignatures a k-of-n policy asks for, be younger than ``max_age_s`` and not dated before the
   last one; it must extend the last checkpoint this monitor accepted (a log that refuses the
   consistency proof is evidence); so must the RFC 6962 signed tree head (``/sth``);
2. every entry is streamed from leaf 0 and hashed (:func:`computegov.tlog.monitor.check_log`); the
   hashes of entries seen before are compared with the ones kept in ``STATE.leaves``, and the
   root rebuilt: an edited, deleted, reordered or swapped old entry is evidence;
3. the registry's state is re-derived from the entries (:class:`~computegov.registry.logstate.LogState`)
   and compared with what the API serves: organisations, their kinds and live keys; every report's
   organisation, signer, title, FLOP, outcome, ``verdict_ok``, withdrawal; with ``all_reports``, each
   report's envelope, summary (recomputed from the envelope), ledger, verdict, counter-verdicts
   and claims. A report served but never logged, or logged but not served, is evidence too.

Problems come back in two kinds: *evidence* (well-formed, validly signed data that contradicts
itself: the log was rewritten, rolled back or forked, or the registry serves what its log does not
say; the CLI exits 1), and :class:`LogProofError` (malformed answers, a bad signature, an
unreachable server; exit 2). :func:`compare_heads` compares two monitors' tree heads.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.durable import write_atomic
from computegov.registry import treehead
from computegov.registry.errors import LogProofError
from computegov.registry.logclient import (
    Fetch,
    HttpLogSource,
    fetch_json,
    http_fetcher,
    proof_hashes,
    served_json,
    witnessed_checkpoint,
)
from computegov.registry.logentries import (
    canonical_bytes,
    counter_entry,
    report_entry,
    verdict_entry,
)
from computegov.registry.logstate import LogState
from computegov.registry.servedstate import compare_served
from computegov.tlog import merkle
from computegov.tlog.checkpoint import LogKey, SignedCheckpoint, open_checkpoint
from computegov.tlog.cosignature import CosignatureVerifier
from computegov.tlog.monitor import LeafHashFile, check_log

__all__ = [
    "HttpLogSource",
    "MonitorResult",
    "MonitorState",
    "compare_heads",
    "compare_served",
    "fetch_json",
    "http_fetcher",
    "load_state",
    "logged_entry",
    "run_monitor",
    "save_state",
    "served_json",
    "witnessed_checkpoint",
]



@dataclasses.dataclass(frozen=True)
class MonitorState:
    """What a monitor keeps between runs: the pinned key, the last good STH, its frontier, report leaves."""

    url: str
    public_key_hex: str
    head: dict[str, Any]
    frontier: tuple[str, ...] = ()
    frontier_size: int = 0
    reports: dict[str, list[int | None]] = dataclasses.field(default_factory=dict)
    #: the last C2SP checkpoint note accepted ("" before the first).
    checkpoint: str = ""

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
                             {str(k): list(v) for k, v in dict(data.get("reports", {})).items()},
                             str(data.get("checkpoint", "")))
        state.tree_head()
        merkle.Frontier(state.frontier_size, tuple(bytes.fromhex(h) for h in state.frontier))
    except (ValueError, KeyError, TypeError) as err:
        raise LogProofError(f"{path}: not a log monitor state file ({err.__class__.__name__}: {err})") from None
    return state


def save_state(path: Path, state: MonitorState) -> None:
    """Write ``state`` atomically and durably (temporary file, fsync, rename, directory fsync).

    See :func:`computegov.durable.write_atomic`; a new file is private (0600), an old one keeps its mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(dataclasses.asdict(state), indent=1, sort_keys=True), mode=0o600)


@dataclasses.dataclass(frozen=True)
class MonitorResult:
    """One monitor run: the STH seen, the evidence found (empty: all checks passed), what was checked."""

    head: treehead.TreeHead
    previous_size: int | None
    evidence: tuple[str, ...]
    leaves_audited: int
    reports_checked: tuple[str, ...]
    state: MonitorState
    checkpoint: SignedCheckpoint | None = None
    entries_rechecked: int = 0
    served_checked: bool = False

    @property
    def ok(self) -> bool:
        """True when no evidence of a rewritten or forked log was found."""
        return not self.evidence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"ok": self.ok, "tree_size": self.head.tree_size, "root_hash": self.head.root_hash.hex(),
                "previous_size": self.previous_size, "evidence": list(self.evidence),
                "leaves_audited": self.leaves_audited, "entries_rechecked": self.entries_rechecked,
                "reports_checked": list(self.reports_checked), "served_state_checked": self.served_checked,
                "checkpoint": None if self.checkpoint is None else {
                    "origin": self.checkpoint.checkpoint.origin, "size": self.checkpoint.size,
                    "timestamp_s": self.checkpoint.timestamp_s,
                    "cosigners": [name for name, _ in self.checkpoint.cosigners]}}


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
    try:
        data = served_json(fetch, f"/api/v1/log/proof/consistency?first={old.tree_size}&second={new.tree_size}")
    except LogProofError as err:
        if not err.mismatch:
            raise
        return [f"the log refuses a consistency proof from size {old.tree_size} (a head it signed) to "
                f"{new.tree_size}: {err}: evidence of a fork or a rewrite"]
    proof = proof_hashes(data.get("consistency_path") if isinstance(data, dict) else None, "consistency proof")
    try:
        merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
    except LogProofError as err:
        if not err.mismatch:
            raise
        return [f"signed tree head of size {new.tree_size} does not extend the one of size {old.tree_size} "
                f"seen before ({err}): the log was rewritten or forked"]
    return []


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
    path = proof_hashes(proof.get("audit_path") if isinstance(proof, dict) else None, "inclusion proof")
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


def _head_history(fetch: Fetch, key: Ed25519PublicKey,
                  previous: treehead.TreeHead | None) -> tuple[list[str], dict[int, bytes]]:
    """Every signed tree head the registry serves: validly signed, dated in size order, still holding ``previous``."""
    try:
        data = served_json(fetch, "/api/v1/log/heads?limit=1000")
    except LogProofError as err:
        if not err.mismatch:
            raise
        return [f"the log will not serve its signed tree heads: {err}"], {}
    rows = data.get("heads") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise LogProofError("GET /api/v1/log/heads: expected {'heads': [...]}")
    evidence: list[str] = []
    heads = []
    for row in rows:
        head = treehead.TreeHead.from_dict(row, where="served tree head")
        try:
            treehead.verify_tree_head(head, key)
        except LogProofError:
            evidence.append(f"the stored tree head of size {head.tree_size} no longer carries the log's signature: "
                            "its row was edited")
            continue
        heads.append(head)
    heads.sort(key=lambda h: h.tree_size)
    evidence += [f"the tree head of size {b.tree_size} is dated {b.timestamp_ms} ms, before the one of size "
                 f"{a.tree_size} ({a.timestamp_ms} ms): the log's history or clock was rewritten"
                 for a, b in itertools.pairwise(heads) if b.timestamp_ms < a.timestamp_ms]
    if previous is not None and heads and heads[0].tree_size <= previous.tree_size and all(
            (h.tree_size, h.root_hash, h.timestamp_ms) != (previous.tree_size, previous.root_hash,
                                                          previous.timestamp_ms) for h in heads):
        evidence.append(f"the log no longer serves the tree head of size {previous.tree_size} it signed and this "
                        "monitor saw: its history was rewritten")
    return evidence, {h.tree_size: h.root_hash for h in heads}


def _proof_sample(size: int, limit: int) -> set[int]:
    """Leaves whose inclusion proofs use every stored subtree hash (every even leaf), or an even spread of ``limit``."""
    if size <= 0 or limit <= 0:
        return set()
    if (size + 1) // 2 <= limit:
        return set(range(0, size, 2)) | {size - 1}
    step = size / limit
    return {min(size - 1, int(i * step)) for i in range(limit)} | {size - 1}


def _check_sampled_proofs(fetch: Fetch, sampled: dict[int, bytes], cp: SignedCheckpoint) -> list[str]:
    """The log's inclusion proofs for sampled leaves must lead from the entries served to the checkpoint's root."""
    bad: list[str] = []
    for index in sorted(sampled):
        try:
            data = served_json(fetch, f"/api/v1/log/proof/inclusion?index={index}&tree_size={cp.size}")
        except LogProofError as err:
            if not err.mismatch:
                raise
            return [f"the log will not serve the inclusion proof of leaf {index} in its checkpoint of size "
                    f"{cp.size}: {err}: its stored tree is damaged or rewritten"]
        path = proof_hashes(data.get("audit_path") if isinstance(data, dict) else None, "inclusion proof")
        try:
            merkle.verify_inclusion(sampled[index], index, cp.size, path, cp.root_hash)
        except LogProofError as err:
            if not err.mismatch:
                raise
            bad.append(str(index))
    if bad:
        return [f"the inclusion proofs the log serves for leaves {', '.join(bad[:10])} do not lead from the entries "
                f"served to its checkpoint's root: its stored subtree hashes were edited"]
    return []


def _sth_evidence(previous: treehead.TreeHead | None, head: treehead.TreeHead) -> list[str]:
    if previous is not None and head.timestamp_ms < previous.timestamp_ms and head.tree_size >= previous.tree_size:
        return [f"signed tree head of size {head.tree_size} is dated {head.timestamp_ms} ms, before the previous "
                f"one of size {previous.tree_size} ({previous.timestamp_ms} ms): history or clock rewritten"]
    return []


def run_monitor(fetch: Fetch, url: str, state: MonitorState | None, *, pin_key: Ed25519PublicKey | None = None,
                reports: Iterable[str] = (), all_reports: bool = False, audit_leaves: bool = True,
                leaves_path: Path | None = None, witnesses: Iterable[CosignatureVerifier] = (),
                min_witnesses: int = 0, max_age_s: float | None = None, now_s: int | None = None,
                check_served: bool = True, proof_sample: int = 256) -> MonitorResult:
    """Check the log at ``url`` and what the registry serves against ``state`` (None: a fresh monitor).

    Args:
        fetch: the registry API.
        url: its base URL (kept in the state).
        state: what this monitor kept from its last good run, or None.
        pin_key: the log's key (default: the state's; a fresh monitor without one trusts the served key).
        reports: report digests to check against their leaves and the signed tree head.
        all_reports: check every report in full (envelope, summary, ledger, verdicts, claims).
        audit_leaves: stream and check every entry (False: checkpoints and proofs only).
        leaves_path: the file of leaf hashes this monitor saw (None: keep none).
        witnesses: trusted witness cosigners.
        min_witnesses: how many of them must have cosigned the checkpoint.
        max_age_s: the oldest checkpoint accepted, seconds.
        now_s: the current POSIX time (default: the clock).
        check_served: compare the state re-derived from the log with what the API serves.
        proof_sample: how many inclusion proofs to fetch and verify against the checkpoint (every
            even leaf when that is fewer: together they use every stored subtree hash).

    Raises:
        LogProofError: malformed answers, a checkpoint or tree head not signed by the pinned key.
    """
    import time

    if state is not None and pin_key is not None and pin_key.public_bytes_raw().hex() != state.public_key_hex:
        raise LogProofError("--pin-key is not the key pinned in the state file; start a new state file")
    key = pin_key or (state.public_key() if state else
                      treehead.parse_public_key(str(fetch_json(fetch, "/api/v1/log/key").get("public_key_hex", ""))))
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    log_key = LogKey(raw)
    now = int(time.time()) if now_s is None else now_s
    head = treehead.TreeHead.from_dict(fetch_json(fetch, "/api/v1/log/sth"), where="signed tree head")
    treehead.verify_tree_head(head, key)
    previous = state.tree_head() if state else None
    if previous is not None:
        treehead.verify_tree_head(previous, key)
    evidence = _sth_evidence(previous, head) + (_consistency(fetch, previous, head) if previous else [])
    prev_cp = open_checkpoint(state.checkpoint, log_key) if state and state.checkpoint else None
    history_evidence, known_roots = _head_history(fetch, key, previous)
    evidence += history_evidence
    before = list(evidence)
    for attempt in range(_SERVED_ATTEMPTS):
        evidence = list(before)
        logged = LogState(keep_events=all_reports)
        sampled: dict[int, bytes] = {}
        sample = _proof_sample(int(head.tree_size), proof_sample) if audit_leaves else set()

        def on_entry(index: int, raw: bytes, logged: LogState = logged, sampled: dict[int, bytes] = sampled,
                     sample: set[int] = sample) -> None:
            if index in sample:
                sampled[index] = merkle.leaf_hash(raw)
            if check_served:
                logged.add(index, raw)

        check = check_log(HttpLogSource(fetch), log_key, prev_cp, LeafHashFile(leaves_path) if leaves_path else None,
                          on_entry=on_entry, witnesses=list(witnesses),
                          min_witnesses=min_witnesses, now_s=now, max_age_s=max_age_s,
                          audit_entries=audit_leaves and not evidence, known_roots=known_roots)
        evidence += check.evidence
        if not evidence and check.checkpoint is not None:
            evidence += _check_sampled_proofs(fetch, sampled, check.checkpoint)
        served_checked = False
        if not evidence and audit_leaves and check_served and check.checkpoint is not None:
            served = compare_served(fetch, logged, full=all_reports)
            served_checked = True
            if served and attempt + 1 < _SERVED_ATTEMPTS and _log_grew(fetch, check.checkpoint.size):
                continue  # the registry took writes while we compared: read the log again
            evidence += served
        break
    known = {k: list(v) for k, v in (state.reports if state else {}).items()}
    for digest, rep in logged.reports.items():
        known[digest] = [rep.leaf, rep.verdict_leaf]
    wanted = list(dict.fromkeys(reports))
    if not evidence:
        for digest in wanted:
            evidence += _check_report(fetch, digest, head, known.get(digest))
    if all_reports and served_checked:
        wanted = list(dict.fromkeys([*wanted, *logged.reports]))
    frontier = merkle.Frontier()
    new_state = MonitorState(url, raw.hex(), head.to_dict(), tuple(h.hex() for h in frontier.hashes),
                             frontier.size, known, check.checkpoint.note if check.checkpoint else "")
    return MonitorResult(head, previous.tree_size if previous else None, tuple(evidence),
                         check.entries_checked - check.entries_seen_before, tuple(wanted),
                         new_state if not evidence else state or new_state, check.checkpoint,
                         check.entries_seen_before, served_checked)


#: Passes of the served-state comparison while the log grows under it (a busy registry serves rows
#: written after the checkpoint the entries were read at); a difference that stays is evidence.
_SERVED_ATTEMPTS = 3


def _log_grew(fetch: Fetch, size: int) -> bool:
    """True when the registry's checkpoint is now larger than ``size``."""
    from computegov.tlog.checkpoint import parse_checkpoint_text
    from computegov.tlog.note import parse_note

    try:
        return parse_checkpoint_text(parse_note(HttpLogSource(fetch).checkpoint()).text).size > size
    except LogProofError:
        return False


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
