"""The verifier's inputs: reading the report and opening its ledger, and the report's signature.

Split from :mod:`computegov.ledger.verify`. The ledger is never read whole: :func:`open_ledger`
and :func:`find_ledger` return a reader (a bounded regular-file reader, or ``io.BytesIO`` over
bytes) that :func:`computegov.ledger.ledger_pass.ledger_checks` streams in blocks.
"""

from __future__ import annotations

import binascii
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.errors import ComputegovError, InputError, SignatureError
from computegov.ledger.check_values import b64_strict, obj
from computegov.ledger.evidence import locate, open_regular_stream, read_regular_file
from computegov.ledger.report import PAYLOAD_TYPE, ComputeReport, is_report_path, parse_report
from computegov.ledger.scan import Readable
from computegov.ledger.signing import key_id, load_public_key, pae, verify_signature
from computegov.ledger.verdict import Check

__all__ = [
    "PROGRESS_EVERY_BYTES",
    "ReadProgress",
    "check_envelope_signature",
    "embedded_key",
    "find_ledger",
    "open_ledger",
    "read_report",
]


def read_report(source: Any, max_file_bytes: int) -> tuple[ComputeReport | None, str | None, Check]:
    """(report, its path, the ``report_format`` check) of a report given in any accepted form."""
    path: str | None = None
    try:
        if is_report_path(source):
            p = Path(source)
            path = str(p)
            source = read_regular_file(p, max_file_bytes, "report")
        elif isinstance(source, bytes | str) and len(source) > max_file_bytes:
            return (
                None,
                None,
                Check(
                    "report_format",
                    "fail",
                    f"report is {len(source)} bytes, over the cap of {max_file_bytes}",
                    unusable=True,
                ),
            )
        report = parse_report(source)
    except ComputegovError as err:
        offset = getattr(err, "offset_bytes", None)
        return (
            None,
            path,
            Check("report_format", "fail", str(err), {"offset_bytes": offset}, unusable=True),
        )
    return (
        report,
        path,
        Check(
            "report_format",
            "pass",
            "DSSE envelope with an in-toto Statement v1 in canonical encoding",
            {"subjects": len(report.statement["subject"])},
        ),
    )


class _CappedStream:
    """A caller's binary file handle, read no further than the ledger cap."""

    def __init__(self, fh: Readable, max_bytes: int) -> None:
        self._read, self._max_bytes, self._total_bytes = fh.read, max_bytes, 0

    def read(self, n: int) -> bytes:
        chunk = self._read(min(n, self._max_bytes + 1 - self._total_bytes))
        self._total_bytes += len(chunk)
        if self._total_bytes > self._max_bytes:
            raise InputError(f"ledger is over the cap of {self._max_bytes} bytes")
        return chunk

    def close(self) -> None:
        """Nothing to close: the caller owns the handle."""


def open_ledger(source: Any, max_file_bytes: int) -> tuple[Any, str | None, str | None]:
    """(reader, path, error) of a ledger given explicitly (bytes, a binary file handle, a path).

    The reader has ``read(n)`` and ``close()``; nothing is read yet beyond a file's ``fstat``.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        size = memoryview(source).nbytes
        if size > max_file_bytes:
            return None, None, f"ledger is {size} bytes, over the cap of {max_file_bytes}"
        return io.BytesIO(source), None, None
    if hasattr(source, "read"):
        return _CappedStream(source, max_file_bytes), None, None
    p = Path(source)
    try:
        return open_regular_stream(p, max_file_bytes, "ledger"), str(p), None
    except ComputegovError as err:
        return None, str(p), str(err)


#: Bytes read between two calls of a reading-progress callback (and one at the end).
PROGRESS_EVERY_BYTES = 1 << 20


class ReadProgress:
    """A ledger reader that tells ``progress(bytes read, size in bytes or None)`` how far it is.

    Called when another :data:`PROGRESS_EVERY_BYTES` have been read and at the end of the file;
    the size is the file's (or the bytes') length when known, None for a stream of unknown length.
    Reads pass through unchanged.
    """

    __slots__ = ("_done", "_next", "_progress", "_reader", "_size")

    def __init__(self, reader: Any, progress: Callable[[int, int | None], object]) -> None:
        self._reader, self._progress = reader, progress
        self._done, self._next = 0, PROGRESS_EVERY_BYTES
        if isinstance(reader, io.BytesIO):
            self._size: int | None = reader.getbuffer().nbytes
        else:
            size = getattr(reader, "size_bytes", None)
            self._size = size if isinstance(size, int) else None

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes from the reader (b"" at the end), reporting progress."""
        chunk = self._reader.read(n)
        self._done += len(chunk)
        if self._done >= self._next or not chunk:
            self._next = self._done + PROGRESS_EVERY_BYTES
            self._progress(self._done, self._size)
        return chunk

    def close(self) -> None:
        """Close the reader."""
        self._reader.close()


def _ledger_name(report: ComputeReport | None) -> str | None:
    if report is None:
        return None
    name = obj(report.predicate.get("ledger")).get("name")
    return name if isinstance(name, str) else None


def find_ledger(
    report: ComputeReport | None, report_path: str | None, max_file_bytes: int
) -> tuple[Any, str | None, Check | None]:
    """The ledger the report names, beside the report.

    Returns (reader, path, None), or a check saying why it is missing (or, for a name that
    tries to escape, failed).
    """
    name = _ledger_name(report)
    shown = f"ledger {name}" if name else "ledger"
    if report_path is None:
        return None, None, _missing_ledger(shown, "no ledger was given")
    if name is None:
        return None, None, _missing_ledger(shown, "the report names no ledger file")
    loc = locate(Path(report_path).parent, name)
    if loc.state == "refused" and loc.path is None and "symlink" not in loc.reason:
        return (
            None,
            None,
            Check(
                "ledger_format",
                "fail",
                f"the report's ledger name {name!r} is refused: {loc.reason}",
            ),
        )
    if loc.state != "ok" or loc.path is None:
        why = loc.reason if loc.state == "missing" else f"{name} beside the report is {loc.reason}"
        return None, None, _missing_ledger(shown, why)
    try:
        return open_regular_stream(loc.path, max_file_bytes, "ledger"), str(loc.path), None
    except ComputegovError as err:
        return None, str(loc.path), Check("ledger_format", "fail", str(err), unusable=True)


def _missing_ledger(shown: str, why: str) -> Check:
    return Check(
        "ledger_format",
        "missing",
        f"{shown} is missing: {why}; the chain, totals and checkpoints cannot be checked "
        "(pass --ledger FILE, or --allow-missing ledger,checkpoints to accept a report-only "
        "check)",
        missing_kind="ledger",
        missing=(shown,),
    )


def embedded_key(report: ComputeReport) -> tuple[Ed25519PublicKey | None, str]:
    """The public key the report itself names, or None and why it is unusable."""
    signer = report.predicate.get("signer")
    if not isinstance(signer, Mapping) or not isinstance(signer.get("public_key_pem"), str):
        return None, "the report names no signer public key"
    try:
        key = load_public_key(signer["public_key_pem"])
    except ComputegovError as err:
        return None, f"the report's signer key is unusable: {err}"
    if key_id(key) != signer.get("keyid"):
        return None, "the report's signer.keyid is not the id of its public key"
    return key, ""


def check_envelope_signature(report: ComputeReport, key: Ed25519PublicKey, how: str) -> Check:
    """``report_signature``: every DSSE signature by ``key`` verifies over the payload."""
    kid = key_id(key)
    sigs = report.envelope["signatures"]
    evidence: dict[str, Any] = {"keyid": kid, "key_source": how, "signatures": len(sigs)}
    matching = [s for s in sigs if s.get("keyid") == kid]
    if not matching:
        others = ", ".join(str(s.get("keyid"))[:16] for s in sigs)
        return Check(
            "report_signature",
            "fail",
            f"no signature by key {kid[:16]}... (signed by: {others or 'nobody'})",
            evidence,
        )
    message = pae(PAYLOAD_TYPE, report.payload)
    for i, s in enumerate(matching):
        try:
            verify_signature(key, b64_strict(s["sig"]), message)
        except (ValueError, binascii.Error):
            return Check(
                "report_signature", "fail", f"signature {i} is not canonical base64", evidence
            )
        except SignatureError as err:
            return Check(
                "report_signature",
                "fail",
                f"signature {i} by {kid[:16]}... does not verify over the payload: {err}",
                evidence,
            )
    return Check(
        "report_signature", "pass", f"DSSE signature by {kid[:16]}... verifies ({how})", evidence
    )
