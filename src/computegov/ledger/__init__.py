"""Verifiable compute claims: a signed, hash-chained run ledger, compute reports, a verifier.

- :class:`Ledger` (``chain``) — append-only JSON-lines hash chain, fsynced, torn-tail recovery.
- :class:`RunRecorder` (``recorder``) — what a training loop writes through (the meter's sink).
- :class:`ComputeReport` (``report``) — a DSSE envelope holding an in-toto Statement v1.
- :func:`verify_report` -> :class:`Verdict` (``verify``) — every check, with evidence; the
  outcome is verified, failed or incomplete (missing evidence never passes).
- :class:`ReadLimits` (``evidence``) — size caps; paths from a ledger are contained.
- :func:`plan_replay` / :func:`replay_report` (``replay``) — Proof-of-Learning-style replay.
- :func:`generate_keypair` (``signing``) — Ed25519 keys; :func:`digest_state_dict` (``digests``).

torch and ray are imported only inside the functions that need them.
"""

from __future__ import annotations

from computegov.ledger.attestation import AttestationChecker, AttestationResult, register_checker
from computegov.ledger.chain import ChainProblem, ChainScan, Ledger, Recovery, scan_ledger
from computegov.ledger.digests import StateDigest, digest_file, digest_state_dict
from computegov.ledger.evidence import ReadLimits
from computegov.ledger.recorder import RunRecorder
from computegov.ledger.records import Record
from computegov.ledger.replay import (
    AuditCost,
    ReplayPlan,
    ReplayResult,
    SegmentResult,
    plan_replay,
    replay_report,
)
from computegov.ledger.report import (
    PREDICATE_TYPE,
    ComputeReport,
    load_report,
    parse_report,
    sign_statement,
)
from computegov.ledger.signing import (
    KeyPair,
    Signer,
    generate_keypair,
    load_private_key,
    load_public_key,
)
from computegov.ledger.verify import Check, Verdict, parse_allow_missing, verify_report

__all__ = [
    "PREDICATE_TYPE",
    "AttestationChecker",
    "AttestationResult",
    "AuditCost",
    "ChainProblem",
    "ChainScan",
    "Check",
    "ComputeReport",
    "KeyPair",
    "Ledger",
    "ReadLimits",
    "Record",
    "Recovery",
    "ReplayPlan",
    "ReplayResult",
    "RunRecorder",
    "SegmentResult",
    "Signer",
    "StateDigest",
    "Verdict",
    "digest_file",
    "digest_state_dict",
    "generate_keypair",
    "load_private_key",
    "load_public_key",
    "load_report",
    "parse_allow_missing",
    "parse_report",
    "plan_replay",
    "register_checker",
    "replay_report",
    "scan_ledger",
    "sign_statement",
    "verify_report",
]
