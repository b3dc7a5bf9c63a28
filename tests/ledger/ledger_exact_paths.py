"""The exact, record-at-a-time verifier the fast-path tests compare with, and one verdict call.

:func:`exact_only` switches every fast path off: the block decoder (lines one at a time), the
measurement and batch-record columns, each check's ``feed_batch`` (replaced by its one-record
``feed``, so the inline shortcuts of ``OrderCheck`` and ``TimesCheck`` are off too) and the totals'
``add_run`` (intervals summed one at a time with ``TotalsSum.add``) and the canonical-JSON
test's orjson shortcut (each body compared with the writer's own stdlib encoding only, the
definition of the canonical encoding).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from computegov.ledger import batch as batch_module
from computegov.ledger import records as records_module
from computegov.ledger import scan as scan_module
from computegov.ledger.checks import RecordsCheck, SignaturesCheck
from computegov.ledger.order_check import OrderCheck
from computegov.ledger.report_checks import LedgerFacts
from computegov.ledger.timeline import TimesCheck
from computegov.ledger.totals import TotalsSum
from computegov.ledger.verify import verify_report

DEMO_PEAK = 1e12  # the verifier's peak for the demo's host CPU (see conftest.DEMO_PEAK)
NOW = 2e9  # the verifier's clock (fixed: it appears in messages)

_REAL_FACTS_FEED_BATCH = LedgerFacts.feed_batch


def _one_at_a_time(self: Any, batch: Any) -> None:
    for offset, rec in batch.items:
        self.feed(offset, rec)


def _facts_feed(self: LedgerFacts, offset: int, rec: Any) -> None:
    _REAL_FACTS_FEED_BATCH(self, batch_module.Batch([offset], [rec]))


def _totals_one_at_a_time(self: TotalsSum, columns: Any, intervals: Any, types_of: Any = None) -> None:
    for interval in intervals:
        self.add(interval)


def _stdlib_canonical(obj: Any, body: bytes) -> bool:
    return records_module._canonical_bytes(obj) == body


@contextmanager
def exact_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every fast path off while the block runs: lines, records and intervals one at a time."""
    with monkeypatch.context() as m:
        m.setattr(scan_module, "decode_lines", lambda *args: None)
        m.setattr(records_module, "_is_canonical", _stdlib_canonical)
        m.setattr(batch_module, "_measurement_run", lambda *columns: None)
        m.setattr(batch_module.Batch, "batch_steps", lambda self: None)
        for cls in (RecordsCheck, SignaturesCheck, OrderCheck, TimesCheck, LedgerFacts):
            m.setattr(cls, "feed_batch", _one_at_a_time)
        m.setattr(LedgerFacts, "feed", _facts_feed)
        m.setattr(TotalsSum, "add_run", _totals_one_at_a_time)
        yield


def verdict_dict(run: Any, report: bytes, ledger: bytes, **kw: Any) -> dict[str, Any]:
    """``verify_report(...).to_dict()`` of ``report`` and ``ledger`` against the demo run's key."""
    return verify_report(
        report,
        ledger,
        run.public_key,
        checkpoints_dir=run.dir,
        peak_flop_per_s=DEMO_PEAK,
        clock=lambda: NOW,
        **kw,
    ).to_dict()
