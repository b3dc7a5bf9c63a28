"""Reading a ledger file: every line's framing, own hash, ``seq`` and ``prev`` link checked.

:func:`stream_records` reads a ledger from a binary file handle in 64 KiB blocks and yields one
parsed record at a time (memory: one block plus one record, whatever the ledger's length);
problems go to a callback with their record number and byte offset, and a :class:`ScanTally`
keeps the running facts (size, committed prefix, file SHA-256, head). The verifier reads
through it directly; :func:`scan_ledger` collects its output into a :class:`ChainScan` for
replay planning and :meth:`computegov.ledger.chain.Ledger.open` (torn-tail recovery). Neither
raises on bad content.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from computegov.ledger.batch import Batch
from computegov.ledger.blocks import decode_lines, parser_is_finite
from computegov.ledger.evidence import DEFAULT_MAX_RECORD_BYTES
from computegov.ledger.records import GENESIS_HASH, LineError, Record, decode_span

__all__ = [
    "ChainProblem",
    "ChainScan",
    "ScanTally",
    "gc_paused",
    "scan_ledger",
    "stream_batches",
    "stream_blocks",
    "stream_records",
]

#: Bytes read from the ledger file at a time. A block's records are decoded and checked together
#: while they are still in the CPU cache: 64 KiB (~110 records of a typical ledger) verified a
#: 1e5-record ledger ~1.5x faster than 1 MiB blocks in ``benchmarks/ledger.py`` (shared 2-core
#: machine, 2026-12-07); 8-16 KiB blocks were slower again (fixed per-block costs).
BLOCK_BYTES = 1 << 16


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
    Holds every record (replay planning and recovery need them); the verifier streams instead
    (:func:`stream_records`).

    Args:
        data: the ledger file's bytes.
        max_record_bytes: the longest line (record) accepted, bytes; a longer one is a
            ``format`` problem and is not parsed (default 1 MiB,
            :data:`~computegov.ledger.evidence.DEFAULT_MAX_RECORD_BYTES`).
    """
    records: list[Record] = []
    offsets: list[int] = []
    problems: list[ChainProblem] = []
    tally = ScanTally(file_digest=None)
    with gc_paused():
        for offset, rec in stream_records(
            io.BytesIO(data), tally, problems.append, max_record_bytes=max_record_bytes
        ):
            records.append(rec)
            offsets.append(offset)
    return ChainScan(
        tuple(records), tuple(offsets), tuple(problems), tally.size_bytes, tally.committed_bytes
    )


class Readable(Protocol):
    """A binary file handle (``read(n) -> bytes``)."""

    def read(self, n: int, /) -> bytes:
        """Up to ``n`` bytes; b"" at the end."""
        ...


@dataclass
class ScanTally:
    """What :func:`stream_records` has seen so far (final once the iterator is exhausted).

    Attributes:
        size_bytes: bytes read (the file size at the end).
        committed_bytes: length of the prefix made of complete, valid, linked records.
        records: records that parsed and hash-checked.
        file_digest: running SHA-256 of every byte read (None: not computed).
    """

    size_bytes: int = 0
    committed_bytes: int = 0
    records: int = 0
    file_digest: Any = field(default_factory=hashlib.sha256)


def stream_records(
    fh: Readable,
    tally: ScanTally,
    on_problem: Callable[[ChainProblem], object],
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[tuple[int, Record]]:
    """Yield ``(byte offset, record)`` for each line that parses and hash-checks, in file order.

    :func:`stream_blocks`, one record at a time.

    Raises:
        whatever ``fh.read`` raises (a bounded reader's :class:`~computegov.errors.InputError`).
    """
    for batch in stream_blocks(fh, tally, on_problem, max_record_bytes=max_record_bytes):
        yield from batch.items


def stream_batches(
    fh: Readable,
    tally: ScanTally,
    on_problem: Callable[[ChainProblem], object],
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[tuple[list[int], list[Record]]]:
    """Yield ``(byte offsets, records)`` of the lines that parse and hash-check, block by block.

    :func:`stream_blocks`, each block's records as a list.

    Raises:
        whatever ``fh.read`` raises (a bounded reader's :class:`~computegov.errors.InputError`).
    """
    for batch in stream_blocks(fh, tally, on_problem, max_record_bytes=max_record_bytes):
        yield batch.offsets, batch.records


def stream_blocks(
    fh: Readable,
    tally: ScanTally,
    on_problem: Callable[[ChainProblem], object],
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[Batch]:
    """Yield the lines that parse and hash-check, block by block, as :class:`Batch` es.

    Framing, the record's own hash, ``seq`` and the ``prev`` link are checked as each block is
    read; every problem is passed to ``on_problem`` (in file order, before the records of its
    block are yielded). A line longer than ``max_record_bytes`` is skipped unread (a
    ``format`` problem naming its length); a last line without a newline is ``torn``.

    Each block's complete lines go first to :func:`~computegov.ledger.blocks.decode_lines`
    (all at once, accepted only when every line is a good, linked record; its batch holds the
    records as columns); a block it declines is read line by line with
    :func:`~computegov.ledger.records.decode_span`, which names every problem. Both give the
    same records.

    Raises:
        whatever ``fh.read`` raises (a bounded reader's :class:`~computegov.errors.InputError`).
    """
    read = fh.read
    update = tally.file_digest.update if tally.file_digest is not None else None
    prev = GENESIS_HASH
    index = 0
    broken = False
    buf = b""
    base = 0  # file offset of buf[0]
    size = 0
    eof = False
    while True:
        pos = 0
        last = buf.rfind(b"\n")
        if last >= 0:
            lines = buf.split(b"\n")
            del lines[-1]  # the part after the last newline (the next block completes it)
            lengths = list(map(len, lines))
            fast = decode_lines(lines, lengths, prev, index, max_record_bytes)
            if fast is not None:
                prev = fast[-1][-1]
                index += len(lines)
                tally.records += len(lines)
                if not broken:
                    tally.committed_bytes = base + last + 1
                pos = last + 1
                # offsets worked out from the lengths only if a check asks (most never do)
                yield Batch.of_columns(
                    None, fast, base=base, lengths=lengths, finite=parser_is_finite()
                )
        if pos <= last:  # the block's lines one at a time: each problem named
            offsets, recs = [], []
            view = memoryview(buf)  # zero-copy line slices
            while True:
                end = buf.find(b"\n", pos)
                if end < 0:
                    break
                offset = base + pos
                try:
                    if end - pos > max_record_bytes:
                        raise LineError(_over_cap(end - pos, max_record_bytes))
                    rec = decode_span(buf, view, pos, end)
                except LineError as err:
                    kind = "hash" if str(err).startswith("hash mismatch") else "format"
                    on_problem(ChainProblem(index, offset + err.column, kind, str(err)))
                    broken = True
                    # Linking across an unreadable line is impossible: the next record's link
                    # is reported as unverifiable, and checking resumes from its own hash.
                    prev = ""
                else:
                    if rec.seq != index:
                        on_problem(
                            ChainProblem(
                                index, offset, "link", f"seq is {rec.seq}, expected {index}"
                            )
                        )
                        broken = True
                    if not prev:
                        on_problem(
                            ChainProblem(
                                index,
                                offset,
                                "link",
                                f"cannot be linked: record {index - 1} before it is damaged",
                            )
                        )
                    elif rec.prev != prev:
                        what = (
                            "genesis (64 zeros)" if index == 0 else f"hash of record {index - 1}"
                        )
                        on_problem(
                            ChainProblem(
                                index,
                                offset,
                                "link",
                                f"prev {rec.prev[:16]}... is not the {what} {prev[:16]}...",
                            )
                        )
                        broken = True
                    prev = rec.hash
                    if not broken:
                        tally.committed_bytes = base + end + 1
                    tally.records += 1
                    offsets.append(offset)
                    recs.append(rec)
                pos = end + 1
                index += 1
            del view
            if recs:
                yield Batch(offsets, recs)
        if eof:
            if pos < len(buf):
                on_problem(_torn(index, base + pos, size))
            return
        if len(buf) - pos > max_record_bytes:
            # A line already over the cap: skip the rest of it unread, counting its length.
            start = base + pos
            base += len(buf)
            buf = b""
            while True:
                chunk = read(BLOCK_BYTES)
                if not chunk:
                    tally.size_bytes = size
                    on_problem(_torn(index, start, size))
                    return
                size += len(chunk)
                tally.size_bytes = size
                if update is not None:
                    update(chunk)
                nl = chunk.find(b"\n")
                if nl >= 0:
                    on_problem(
                        ChainProblem(
                            index, start, "format", _over_cap(base + nl - start, max_record_bytes)
                        )
                    )
                    broken = True
                    prev = ""
                    index += 1
                    buf = chunk[nl + 1 :]
                    base += nl + 1
                    break
                base += len(chunk)
            continue
        chunk = read(BLOCK_BYTES)
        if chunk:
            size += len(chunk)
            tally.size_bytes = size
            if update is not None:
                update(chunk)
            buf = buf[pos:] + chunk if pos < len(buf) else chunk
        else:
            eof = True
            buf = buf[pos:]
        base += pos


def _over_cap(length: int, max_record_bytes: int) -> str:
    return (
        f"record is {length} bytes, over the cap of {max_record_bytes} bytes "
        "per record (raise it with --max-record-bytes if the ledger is genuine)"
    )


def _torn(index: int, offset: int, size: int) -> ChainProblem:
    return ChainProblem(
        index,
        offset,
        "torn",
        f"partial last line ({size - offset} bytes without a newline): torn tail",
    )
