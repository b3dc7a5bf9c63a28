"""``RunRecorder``: what a training loop uses to write a ledger and, at the end, a signed report.

Typical use with the meter (``computegov.measure``)::

    rec = RunRecorder("run.jsonl", key_path="keys/computegov.key",
                      metadata={"model": "gpt-small", "code_revision": "abc123",
                                "hardware": {"chip": "H100 SXM5", "chip_count": 8},
                                "parameters": 1.2e8})
    meter = ComputeMeter(model, sink=rec.record_measurement)
    ...   # train; every k steps: rec.record_checkpoint(step, model.state_dict(), path)
    report = rec.finish({"tokens": 2.0e9})     # writes run.report.json next to the ledger
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from computegov.errors import InputError, LedgerError
from computegov.ledger.chain import Ledger
from computegov.ledger.digests import digest_file, digest_state_dict
from computegov.ledger.record_schema import COUNT_FIELDS, interval_problems, record_problems
from computegov.ledger.records import FORMAT_VERSION, HASH_ALG
from computegov.ledger.report import PREDICATE_TYPE, STATEMENT_TYPE, ComputeReport, sign_statement
from computegov.ledger.signing import (
    PRIVATE_KEY_NAME,
    Signer,
    generate_keypair,
    load_private_key,
)
from computegov.ledger.totals import interval_fields, totals_from_records  # re-exported

__all__ = ["RunRecorder", "interval_fields", "report_path_for", "totals_from_records"]

logger = logging.getLogger(__name__)


def report_path_for(ledger_path: str | Path) -> Path:
    """Where :meth:`RunRecorder.finish` writes the report: ``run.jsonl`` -> ``run.report.json``."""
    p = Path(ledger_path)
    return p.with_name(p.stem + ".report.json")


_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # int64 / uint64 range


def _jsonable(obj: Any) -> Any:
    """Coerce meter output (numpy scalars, tuples, NaN, >64-bit ints) into JSON-safe values.

    NaN and infinity become None; integers outside the 64-bit range become floats.
    """
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        # Integers beyond 64 bits become doubles: that is how JSON readers such as orjson (the
        # verifier's parser) read them, so report and ledger hold the same value.
        return int(obj) if _INT_MIN <= obj <= _INT_MAX else float(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if hasattr(obj, "item"):
        return _jsonable(obj.item())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


def _whole_counts(interval: dict[str, Any]) -> dict[str, Any]:
    """Count fields holding a whole float (``640.0``, as numpy sums give) as JSON integers."""
    out = dict(interval)
    for key in COUNT_FIELDS:
        v = out.get(key)
        if type(v) is float and v.is_integer() and abs(v) < 2**63:
            out[key] = int(v)
    return out


class RunRecorder:
    """Writes a run's ledger during training and its signed :class:`ComputeReport` at the end.

    Args:
        ledger_path: the ledger file to create (must not exist).
        key_path: Ed25519 private key (PEM). None: ``computegov.key`` in the ledger's directory,
            created (mode 0600, with ``computegov.pub``) if missing.
        metadata: run metadata. Reserved keys: ``hardware`` (``chip``, ``chip_count``, ...),
            ``parameters`` (model parameter count, for the 6ND plausibility check), ``replay``
            (how to re-run segments, see :mod:`computegov.ledger.replay`), ``attestation``
            (secure-hardware evidence, see :mod:`computegov.ledger.attestation`), ``meter``.
        signer: an in-memory key instead of ``key_path``.
        sign_every: append a signed head record every this many records.
        fsync_every: commit every this many records (1: every record is durable when appended).
        clock: the wall clock, Unix s, for record times and the report's ``created_unix_s``
            (default ``time.time``; tests pass a fake one).
    """

    def __init__(
        self,
        ledger_path: str | Path,
        key_path: str | Path | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        signer: Signer | None = None,
        sign_every: int = 64,
        fsync_every: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger_path = Path(ledger_path)
        self._clock = clock
        if signer is None:
            if key_path is None:
                key_path = self.ledger_path.parent / PRIVATE_KEY_NAME
                if not Path(key_path).exists():
                    generate_keypair(self.ledger_path.parent)
                    logger.info("created a signing key at %s", key_path)
            signer = load_private_key(key_path)
        self.signer = signer
        self.metadata: dict[str, Any] = _jsonable(dict(metadata or {}))
        problems = record_problems("meta", {"metadata": self.metadata})
        if problems:
            raise InputError(f"run metadata not recorded: {'; '.join(problems)}")
        self._ledger = Ledger.create(
            self.ledger_path,
            self.metadata,
            signer=signer,
            sign_every=sign_every,
            fsync_every=fsync_every,
            clock=clock,
        )
        self._intervals: list[dict[str, Any]] = []
        self._checkpoints: list[dict[str, Any]] = []
        self._steps = 0
        self._finished = False

    @property
    def steps(self) -> int:
        """Steps recorded so far (sum of the intervals' ``steps``)."""
        return self._steps

    @property
    def head_hash(self) -> str:
        """Hash of the last record written."""
        return self._ledger.head_hash

    def _check_open(self) -> None:
        if self._finished:
            raise LedgerError(f"{self.ledger_path}: the run was finished; start a new recorder")

    def record_measurement(self, record: Mapping[str, Any]) -> None:
        """Append one meter interval (usable directly as the meter's ``sink``).

        The interval's numbers are typed and range-checked with the rules the verifier applies
        (:mod:`computegov.ledger.record_schema`): FLOP >= 0, seconds > 0, counts are integers
        (a whole float such as ``640.0`` is written as ``640``), booleans are not numbers.

        Raises:
            InputError: a field is mistyped or out of range (the message names it).
        """
        self._check_open()
        interval = _whole_counts(_jsonable(dict(record)))
        problems = interval_problems(interval)
        if problems:
            raise InputError(
                f"{self.ledger_path}: meter interval not recorded: {'; '.join(problems)}"
            )
        steps = interval_fields(interval)["steps"] or 0
        self._steps += steps
        written = self._ledger.append(
            "measurement", {"interval": interval, "step_end": self._steps}
        )
        # Totals are summed from what was written (as a verifier will read it back).
        self._intervals.append(written.data["interval"])

    def record_checkpoint(
        self, step: int, state_dict: Mapping[str, Any], path: str | Path | None = None
    ) -> dict[str, Any]:
        """Digest a state dict (and its file) and append a ``checkpoint`` record.

        Args:
            step: training step the state is at (steps completed).
            state_dict: the model's (or model + optimizer's) state.
            path: checkpoint file; saved with ``torch.save`` if it does not exist yet. Stored
                relative to the ledger's directory when inside it.

        Returns:
            The record's data (step, state digests, file digests, path).
        """
        self._check_open()
        state = digest_state_dict(state_dict)
        data: dict[str, Any] = {"step": int(step), "state": state.to_dict(), "path": None}
        if path is not None:
            p = Path(path)
            if not p.exists():
                import torch

                torch.save(dict(state_dict), p)
            data["file"] = digest_file(p)
            try:
                data["path"] = os.path.relpath(p.resolve(), self.ledger_path.parent.resolve())
            except ValueError:  # another drive on Windows
                data["path"] = str(p.resolve())
        self._checkpoints.append(data)
        self._ledger.append("checkpoint", data)
        self._ledger.sign_head()
        return data

    def record_batch(self, step: int, digest: str) -> None:
        """Append the digest of the data batch used at ``step``."""
        self._check_open()
        self._ledger.append("batch", {"step": int(step), "digest": str(digest)})

    def finish(self, summary: Mapping[str, Any] | None = None) -> ComputeReport:
        """Close the ledger and write the signed report next to it (``run.report.json``).

        Args:
            summary: extra facts about the run (``tokens``, ``samples``, claims); stored in the
                ``end`` record and under the predicate's ``claims``.

        Returns:
            The signed report (its ``path`` says where it was written).
        """
        self._check_open()
        summary_j = _jsonable(dict(summary or {}))
        hardware = dict(self.metadata.get("hardware") or {})
        totals = totals_from_records(self._intervals, hardware.get("chip_count"))
        if totals["tokens"] is None and isinstance(summary_j.get("tokens"), int | float):
            totals["tokens"] = float(summary_j["tokens"])
            totals["tokens_source"] = "summary"
        self._ledger.append("end", {"summary": summary_j, "totals": totals})
        self._ledger.sign_head()
        self._ledger.close()
        self._finished = True
        statement = build_statement(
            ledger_path=self.ledger_path,
            metadata=self.metadata,
            totals=totals,
            checkpoints=self._checkpoints,
            head_hash=self._ledger.head_hash,
            records=self._ledger.next_seq,
            signer=self.signer,
            claims=summary_j,
            created_unix_s=self._clock(),
        )
        report = sign_statement(statement, self.signer)
        out = report.write(report_path_for(self.ledger_path))
        return ComputeReport(report.envelope, report.statement, out)


def build_statement(
    *,
    ledger_path: Path,
    metadata: Mapping[str, Any],
    totals: Mapping[str, Any],
    checkpoints: list[dict[str, Any]],
    head_hash: str,
    records: int,
    signer: Signer,
    claims: Mapping[str, Any],
    created_unix_s: float | None = None,
) -> dict[str, Any]:
    """The in-toto Statement of a finished run (see :mod:`computegov.ledger.report`)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        version = package_version("computegov")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "unknown"

    subjects: list[dict[str, Any]] = []
    if checkpoints:
        last = checkpoints[-1]
        name = f"checkpoint/step-{last['step']}"
        digest = {"blake3": last["state"]["blake3"], "sha256": last["state"]["sha256"]}
        subjects.append({"name": name, "digest": digest})
    subjects.append({"name": f"ledger/{ledger_path.name}", "digest": digest_file(ledger_path)})
    meter = metadata.get("meter") if isinstance(metadata.get("meter"), Mapping) else {}
    run = {k: v for k, v in metadata.items() if k not in ("hardware", "replay", "attestation")}
    predicate = {
        "method": "measured",
        "meter": dict(meter or {}),
        "totals": dict(totals),
        "hardware": dict(metadata.get("hardware") or {}),
        "run": run,
        "claims": dict(claims),
        "ledger": {
            "name": ledger_path.name,
            "head_hash": head_hash,
            "records": records,
            "hash_alg": HASH_ALG,
            "format": FORMAT_VERSION,
        },
        "checkpoints": [
            {
                "step": c["step"],
                "path": c.get("path"),
                "blake3": c["state"]["blake3"],
                "sha256": c["state"]["sha256"],
            }
            for c in checkpoints
        ],
        "replay": metadata.get("replay"),
        "attestation": metadata.get("attestation"),
        "signer": {"keyid": signer.keyid, "public_key_pem": signer.public_pem()},
        "generator": {"name": "computegov", "version": version},
        "created_unix_s": time.time() if created_unix_s is None else created_unix_s,
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }
