"""The self-contained HTML report (``computegov report``).

:func:`build_report` discovers every section module in :mod:`computegov.report.sections`, builds
them in order (a failing section shows its error instead of stopping the report) and inlines the
JavaScript that renders the charts, so the file opens offline.
"""

from __future__ import annotations

from computegov.report.build import build_report, discover_sections, write_report
from computegov.report.section import ReportContext, Section

__all__ = ["ReportContext", "Section", "build_report", "discover_sections", "write_report"]
