"""The verifier's ledger checks in one streaming pass over the ledger file.

:func:`ledger_checks` reads the ledger from a binary file handle in 64 KiB blocks
(:func:`~computegov.ledger.scan.stream_blocks`) and feeds the records of each block, as it is
read, to every running check as a :class:`~computegov.ledger.batch.Batch` (records and their
columns): :class:`~computegov.ledger.checks.RecordsCheck`,
:class:`~computegov.ledger.checks.SignaturesCheck`,
:class:`~computegov.ledger.order_check.OrderCheck`,
:class:`~computegov.ledger.timeline.TimesCheck` and
:class:`~computegov.ledger.report_checks.LedgerFacts` (head, count, checkpoint list, end record,
running totals). Memory is one block, its records and those checks' running state, whatever the
ledger's length; the file's SHA-256 is computed from the same blocks.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from computegov.ledger.batch import Batch
from computegov.ledger.checks import (
    ProblemTally,
    RecordsCheck,
    SignaturesCheck,
    ledger_structure_checks,
)
from computegov.ledger.evidence import ReadLimits
from computegov.ledger.order_check import OrderCheck
from computegov.ledger.report import ComputeReport
from computegov.ledger.report_checks import (
    LedgerFacts,
    checkpoint_files_check,
    matches_check,
    totals_check,
)
from computegov.ledger.scan import Readable, ScanTally, stream_blocks
from computegov.ledger.timeline import TimesCheck
from computegov.ledger.verdict import Check

__all__ = ["BATCH_RECORDS", "ledger_checks"]

#: Most records handed to the checks at a time (a block read from the file holds ~110 records
#: of a typical ledger; each check tests a batch's columns at once).
BATCH_RECORDS = 1 << 16


def ledger_checks(
    fh: Readable,
    ledger_path: str | None,
    report: ComputeReport | None,
    key: Ed25519PublicKey | None,
    times: TimesCheck,
    limits: ReadLimits,
    checkpoints_dir: str | Path | None,
) -> list[Check]:
    """Every ledger check, in the verdict's order, from one pass over ``fh``.

    Args:
        fh: the ledger, opened for reading in binary (a bounded file reader or ``io.BytesIO``).
        ledger_path: the ledger's path, where it has one (for finding checkpoint files).
        report: the report (None: unreadable; the checks against it are skipped).
        key: the key head signatures must verify with (None: ``ledger_signatures`` skipped).
        times: the ``ledger_times`` check, set up with the verifier's clock.
        limits: the read caps (``max_record_bytes`` per line).
        checkpoints_dir: where checkpoint files are (None: the ledger's directory, if any).

    Raises:
        InputError: ``fh`` failed or grew past its cap while being read.
    """
    tally = ScanTally()
    problems = ProblemTally()
    records, sigs, order, facts = RecordsCheck(), SignaturesCheck(key), OrderCheck(), LedgerFacts()
    feeds = (
        records.feed_batch, sigs.feed_batch, order.feed_batch, times.feed_batch, facts.feed_batch
    )
    size = BATCH_RECORDS
    for block in stream_blocks(fh, tally, problems.add, max_record_bytes=limits.max_record_bytes):
        parts = [block]
        if len(block) > size:
            offsets, recs = block.offsets, block.records
            parts = [
                Batch(offsets[a : a + size], recs[a : a + size]) for a in range(0, len(recs), size)
            ]
        for batch in parts:
            for feed in feeds:
                feed(batch)
    first_kind = facts.first_kind
    structure = ledger_structure_checks(
        problems, tally.records, tally.size_bytes, first_kind, facts.head_hash
    )
    checks = [structure[0], records.result(tally.records), *structure[1:]]
    checks.append(sigs.result(problems.first_break))
    checks.append(order.result(facts.meta if first_kind == "meta" else None))
    checks.append(times.result())
    if report is not None and tally.records:
        checks.append(matches_check(report, facts, tally.file_digest.hexdigest()))
        checks.append(totals_check(report, facts.totals))
    else:
        checks.append(Check("report_matches_ledger", "skip", "report or ledger unreadable"))
        checks.append(Check("totals", "skip", "report or ledger unreadable"))
    base = (
        Path(checkpoints_dir)
        if checkpoints_dir is not None
        else (Path(ledger_path).parent if ledger_path else None)
    )
    checks.append(checkpoint_files_check(facts.checkpoint_files, base, limits.max_checkpoint_bytes))
    return checks
