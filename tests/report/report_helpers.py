"""Shared bits of the report tests."""

from __future__ import annotations

import json
import re
from typing import Any

#: Section ids the trends engineer's sections always add.
FULL_REPORT_SECTIONS = ("summary", "trends", "forecasts", "backtests")

_SPEC = re.compile(r'<script type="application/json" data-chart-for="([^"]+)">(.*?)</script>', flags=re.S)


def chart_specs(page: str) -> dict[str, dict[str, Any]]:
    """Every chart spec in a report page, by chart id (the JSON script tags ``chart_html`` writes)."""
    return {m.group(1): json.loads(m.group(2)) for m in _SPEC.finditer(page)}


def vega_lite_error(spec: dict[str, Any]) -> str | None:
    """Why ``spec`` is not valid Vega-Lite, or None when it is.

    The check altair's ``chart.to_dict()`` makes (``cls.validate``: jsonschema against the
    Vega-Lite schema altair bundles, through altair's validator), for the top-level class the
    spec is: a layer, a concatenation, a facet, a repeat or a single view.
    """
    import altair as alt
    import jsonschema

    kinds = (("layer", alt.LayerChart), ("hconcat", alt.HConcatChart), ("vconcat", alt.VConcatChart),
             ("concat", alt.ConcatChart), ("facet", alt.FacetChart), ("repeat", alt.RepeatChart))
    cls = next((c for key, c in kinds if key in spec), alt.Chart)
    try:
        cls.validate(spec)
    except jsonschema.ValidationError as err:
        return f"{cls.__name__}: {err.message}"
    return None
