"""Shared bits of the report tests."""

from __future__ import annotations

#: Section ids the trends engineer's sections always add.
FULL_REPORT_SECTIONS = ("summary", "trends", "forecasts", "backtests")
