"""``ComputeReport``: a run's signed summary, a DSSE envelope holding an in-toto Statement v1.

Formats: DSSE v1 (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md) with
payload type ``application/vnd.in-toto+json``; in-toto Statement v1
(https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).

The Statement's ``subject`` lists the final checkpoint (digest of its canonical tensor encoding,
see :mod:`computegov.ledger.digests`) and the ledger file (digest of its bytes). The predicate
(type :data:`PREDICATE_TYPE`) is::

    {
      "method": "measured",                 # FLOP, time and energy come from a meter's records
      "meter": {"name": "computegov.measure.ComputeMeter", "interval_steps": 10},
      "totals": {                           # every number is re-summed by the verifier
        "flop": 1.2e18,                     # the meter's counted FLOP (sum of interval "flop")
        "flop_by_method": {"counted": 1.2e18, "6nd": 1.1e18},   # per FLOP method
        "steps": 1000, "intervals": 100, "intervals_flop_unknown": 0,
        "tokens": 2.0e6 | null, "samples": 6.4e4 | null,
        "duration_s": 3600.0,               # summed measured interval time, s
        "chip_hours": 8.0,                  # chip_count x duration_s / 3600
        "energy_j": 1.0e7 | null            # null unless every interval had an energy reading
      },
      "hardware": {"chip": "H100 SXM5", "chip_count": 8, ...},
      "run": {...},                         # caller's metadata: model, parameters, code revision
      "claims": {...},                      # the summary passed to RunRecorder.finish
      "ledger": {"head_hash": "<sha256 hex>", "records": 123, "hash_alg": "sha256",
                 "format": "computegov-ledger/1", "name": "run.jsonl"},
      "checkpoints": [{"step": 100, "path": "...", "blake3": ..., "sha256": ...}, ...],
      "replay": {"trainer": "module:Class", "config": {...}, ...} | null,
      "attestation": {"type": ..., "evidence": ...} | null,   # secure-hardware evidence slot
      "signer": {"keyid": ..., "public_key_pem": ...},
      "generator": {"name": "computegov", "version": ...},
      "created_unix_s": 1.7e9
    }

For a compute estimate read ``totals.flop`` (or ``totals.flop_by_method[method]``),
``totals.chip_hours``, ``totals.energy_j``, ``hardware`` and ``ledger.head_hash``; verify the
report first (:func:`computegov.ledger.verify.verify_report`).

The file on disk is the envelope as canonical JSON (sorted keys, no spaces) plus a newline, so
every byte of it is significant; :func:`parse_report` refuses any other encoding of the same
envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from computegov.durable import write_atomic
from computegov.errors import InputError, LedgerError
from computegov.inputfiles import unique_keys
from computegov.ledger.evidence import DEFAULT_MAX_FILE_BYTES, read_regular_file
from computegov.ledger.records import canonical_json
from computegov.ledger.signing import Signer, dsse_envelope

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "ComputeReport",
    "is_report_path",
    "load_report",
    "parse_report",
    "sign_statement",
]

#: DSSE payload type of an in-toto Statement.
PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: in-toto Statement v1 ``_type``.
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
#: Our predicate type (a URI naming the schema above; under the project's URL).
PREDICATE_TYPE = "https://example.invalid/computegov/ComputeReport/v1"


@dataclass(frozen=True)
class ComputeReport:
    """A signed compute report: the DSSE envelope and the Statement it carries.

    Attributes:
        envelope: the DSSE envelope (``payload`` base64, ``payloadType``, ``signatures``).
        statement: the decoded in-toto Statement.
        path: where it was read from or written to, if anywhere.
    """

    envelope: dict[str, Any]
    statement: dict[str, Any]
    path: Path | None = None

    @property
    def predicate(self) -> dict[str, Any]:
        """The Statement's predicate (see the module docstring for its fields)."""
        pred = self.statement.get("predicate")
        return pred if isinstance(pred, dict) else {}

    @property
    def totals(self) -> dict[str, Any]:
        """``predicate["totals"]``: flop, flop_by_method, steps, duration_s, chip_hours, energy_j."""
        t = self.predicate.get("totals")
        return t if isinstance(t, dict) else {}

    @property
    def payload(self) -> bytes:
        """The signed payload bytes."""
        return base64.b64decode(self.envelope["payload"])

    def to_bytes(self) -> bytes:
        """The canonical file encoding (canonical JSON of the envelope plus a newline)."""
        return canonical_json(self.envelope) + b"\n"

    def to_dict(self) -> dict[str, Any]:
        """The envelope plus the decoded statement, JSON-ready."""
        return {"envelope": self.envelope, "statement": self.statement}

    def write(self, path: str | Path) -> Path:
        """Write the canonical encoding to ``path`` atomically and durably; return the path.

        See :func:`computegov.durable.write_atomic`: a crash leaves the old report or the new one
        whole, and an existing file keeps its permission bits.
        """
        return write_atomic(Path(path), self.to_bytes())


def sign_statement(statement: dict[str, Any], signer: Signer) -> ComputeReport:
    """Serialise ``statement`` canonically and sign it into a DSSE envelope."""
    payload = canonical_json(statement)
    return ComputeReport(dsse_envelope(PAYLOAD_TYPE, payload, signer), json.loads(payload))


class ReportFormatError(LedgerError):
    """A report that cannot be parsed (unusable input). ``offset_bytes`` says where, if known."""

    def __init__(self, message: str, offset_bytes: int | None = None) -> None:
        self.offset_bytes = offset_bytes
        where = f" (byte offset {offset_bytes})" if offset_bytes is not None else ""
        super().__init__(f"report{where}: {message}")


def _first_difference(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def is_report_path(source: object) -> bool:
    """Whether ``source`` names a report file (a Path, or a str that is not JSON text)."""
    return isinstance(source, Path) or (
        isinstance(source, str) and not source.lstrip().startswith("{")
    )


def parse_report(source: bytes | str | dict[str, Any] | ComputeReport) -> ComputeReport:
    """Parse a report from its file bytes/text, an envelope dict, or pass a report through.

    Bytes and text must be the canonical encoding (what :meth:`ComputeReport.write` writes), so
    that a change to any byte of the file is detected.

    Raises:
        ReportFormatError: not JSON, not a DSSE envelope, payload not base64 or not a Statement,
            or not in canonical encoding (the message gives the byte offset).
    """
    if isinstance(source, ComputeReport):
        return source
    raw: bytes | None = None
    if isinstance(source, str):
        raw = source.encode("utf-8")
    elif isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    if raw is not None:
        try:
            env = json.loads(raw, object_pairs_hook=unique_keys)
        except (ValueError, UnicodeDecodeError, RecursionError) as err:
            pos = getattr(err, "pos", None)
            if isinstance(err, UnicodeDecodeError):
                pos = err.start
            raise ReportFormatError(f"not valid JSON ({err})", pos) from err
    else:
        env = source
    if not isinstance(env, dict):
        raise ReportFormatError("expected a JSON object (a DSSE envelope)")
    for key, typ in (("payload", str), ("payloadType", str), ("signatures", list)):
        if not isinstance(env.get(key), typ):
            raise ReportFormatError(f"DSSE envelope field {key!r} missing or not a {typ.__name__}")
    if env["payloadType"] != PAYLOAD_TYPE:
        raise ReportFormatError(f"payloadType is {env['payloadType']!r}, expected {PAYLOAD_TYPE!r}")
    for i, s in enumerate(env["signatures"]):
        if not (isinstance(s, dict) and isinstance(s.get("sig"), str)):
            raise ReportFormatError(f"signature {i} is not an object with a base64 'sig'")
    try:
        payload = base64.b64decode(env["payload"], validate=True)
        if base64.b64encode(payload).decode("ascii") != env["payload"]:
            raise ValueError("non-canonical base64 (stray bits in the last character)")
        statement = json.loads(payload, object_pairs_hook=unique_keys)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as err:
        raise ReportFormatError(f"payload is not base64 of a JSON Statement ({err})") from err
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise ReportFormatError(f"payload is not an in-toto Statement ({STATEMENT_TYPE})")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise ReportFormatError(
            f"predicateType is {statement.get('predicateType')!r}, expected {PREDICATE_TYPE!r}"
        )
    if not isinstance(statement.get("subject"), list) or not isinstance(
        statement.get("predicate"), dict
    ):
        raise ReportFormatError("Statement lacks a subject list or a predicate object")
    for i, subject in enumerate(statement["subject"]):
        # in-toto Statement v1: each subject is {"name": str, "digest": {alg: hex str}}.
        digest = subject.get("digest") if isinstance(subject, dict) else None
        if (
            not isinstance(subject, dict)
            or not isinstance(subject.get("name"), str)
            or not isinstance(digest, dict)
            or not all(isinstance(v, str) for v in digest.values())
        ):
            raise ReportFormatError(
                f"Statement subject {i} is not {{'name': str, 'digest': {{alg: str}}}}"
            )
    report = ComputeReport(env, statement)
    if raw is not None:
        canonical = report.to_bytes()
        if raw != canonical:
            at = _first_difference(raw, canonical)
            raise ReportFormatError(
                "file is not in canonical encoding (edited or re-serialised after signing)", at
            )
    return report


def load_report(path: str | Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> ComputeReport:
    """Read and parse a report file (a regular file of at most ``max_file_bytes``).

    Raises:
        LedgerError: the file cannot be read or parsed.
    """
    p = Path(path)
    try:
        raw = read_regular_file(p, max_file_bytes, "report")
    except InputError as err:
        raise LedgerError(str(err)) from err
    report = parse_report(raw)
    return ComputeReport(report.envelope, report.statement, p)
