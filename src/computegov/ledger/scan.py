"""Reading a ledger file: every line's framing, own hash, ``seq`` and ``prev`` link checked.

:func:`scan_ledger` never raises on bad content; it returns a :class:`ChainScan` with the records
that parsed and each :class:`ChainProblem` with its record number and byte offset. The verifier,
replay planning and :meth:`computegov.ledger.chain.Ledger.open` (torn-tail recovery) all read
through it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from computegov.ledger.evidence import DEFAULT_MAX_RECORD_BYTES
from computegov.ledger.records import GENESIS_HASH, LineError, Record, decode_span

__all__ = ["ChainProblem", "ChainScan", "gc_paused", "scan_ledger"]


@dataclass(frozen=True)
class ChainProblem:
    """One thing wrong in a ledger file.

    Attributes:
        record: 0-based record number (line number minus one).
        offset_bytes: byte offset in the file where the problem was found: the start of the
            line, or of its body (hash mismatch, bad JSON) or hash field (bad framing).
        kind: ``format`` (unparseable line: unusable input), ``torn`` (partial last line),
            ``hash`` (line does not hash to its own hash), ``link`` (``prev`` or ``seq`` wrong).
        message: what is wrong.
    """

    record: int
    offset_bytes: int
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "record": self.record,
            "offset_bytes": self.offset_bytes,
            "kind": self.kind,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"record {self.record} (byte offset {self.offset_bytes}): {self.message}"


@dataclass(frozen=True)
class ChainScan:
    """Everything read from a ledger file, and what is wrong with it.

    Attributes:
        records: the records that parsed and hash-checked, in file order.
        offsets_bytes: byte offset of each of ``records``.
        problems: problems found, in file order.
        size_bytes: file size.
        committed_bytes: length of the prefix made of complete, valid, linked records.
    """

    records: tuple[Record, ...]
    offsets_bytes: tuple[int, ...]
    problems: tuple[ChainProblem, ...]
    size_bytes: int
    committed_bytes: int

    @property
    def ok(self) -> bool:
        """True when the file is a complete, unbroken chain."""
        return not self.problems

    @property
    def head_hash(self) -> str:
        """Hash of the last good record (:data:`GENESIS_HASH` for an empty ledger)."""
        return self.records[-1].hash if self.records else GENESIS_HASH


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small containers.

    Parsing a 100,000-record ledger creates ~10^6 dicts that all stay alive; CPython's
    generational collector would re-traverse them again and again (it more than doubled the
    time in ``benchmarks/ledger.py``). Nothing built here has reference cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scan_ledger(data: bytes, *, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> ChainScan:
    """Parse and check every line of a ledger: framing, own hash, ``seq`` and ``prev`` links.

    Never raises on bad content: problems are collected with their record number and offset.

    Args:
        data: the ledger file's bytes.
        max_record_bytes: the longest line (record) accepted, bytes; a longer one is a
            ``format`` problem and is not parsed (default 1 MiB,
            :data:`~computegov.ledger.evidence.DEFAULT_MAX_RECORD_BYTES`).
    """
    with gc_paused():
        return _scan(data, max_record_bytes)


def _scan(data: bytes, max_record_bytes: int) -> ChainScan:
    records: list[Record] = []
    offsets: list[int] = []
    problems: list[ChainProblem] = []
    prev = GENESIS_HASH
    offset = 0
    committed = 0
    size = len(data)
    view = memoryview(data)  # zero-copy line slices
    index = 0
    broken = False
    while offset < size:
        end = data.find(b"\n", offset)
        if end < 0:
            problems.append(
                ChainProblem(
                    index,
                    offset,
                    "torn",
                    f"partial last line ({size - offset} bytes without a newline): torn tail",
                )
            )
            break
        try:
            if end - offset > max_record_bytes:
                raise LineError(
                    f"record is {end - offset} bytes, over the cap of {max_record_bytes} bytes "
                    "per record (raise it with --max-record-bytes if the ledger is genuine)"
                )
            rec = decode_span(data, view, offset, end)
        except LineError as err:
            kind = "hash" if str(err).startswith("hash mismatch") else "format"
            problems.append(ChainProblem(index, offset + err.column, kind, str(err)))
            broken = True
            # Linking across an unreadable line is impossible: the next record's link is
            # reported as unverifiable, and checking resumes from its own hash.
            prev = ""
        else:
            if rec.seq != index:
                problems.append(
                    ChainProblem(index, offset, "link", f"seq is {rec.seq}, expected {index}")
                )
                broken = True
            if not prev:
                problems.append(
                    ChainProblem(
                        index,
                        offset,
                        "link",
                        f"cannot be linked: record {index - 1} before it is damaged",
                    )
                )
            elif rec.prev != prev:
                what = "genesis (64 zeros)" if index == 0 else f"hash of record {index - 1}"
                problems.append(
                    ChainProblem(
                        index,
                        offset,
                        "link",
                        f"prev {rec.prev[:16]}... is not the {what} {prev[:16]}...",
                    )
                )
                broken = True
            records.append(rec)
            offsets.append(offset)
            prev = rec.hash
            if not broken:
                committed = end + 1
        offset = end + 1
        index += 1
    return ChainScan(tuple(records), tuple(offsets), tuple(problems), size, committed)
