"""The report's faster paths give byte-identical section HTML to the plain computation, on the default seed."""

from __future__ import annotations

import pytest

from computegov.catalog import load_catalog
from computegov.report.section import DEFAULT_SEED, ReportContext


def _clusters_html() -> str:
    from computegov.report.sections import clusters

    return clusters.build(ReportContext(catalog=load_catalog(), seed=DEFAULT_SEED)).html


def test_clusters_section_with_shared_hindcasts_equals_the_plain_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from computegov.clusters import reaching

    served: list[int] = []
    real = reaching.RecordRuns.forecast

    def counting(self: reaching.RecordRuns, origin: int, *args: object, **kwargs: object) -> object:
        served.append(origin)
        return real(self, origin, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(reaching.RecordRuns, "forecast", counting)
        fast = _clusters_html()
    assert len(served) >= 8  # both fans and the hindcast origins came from the shared runs
    monkeypatch.setattr(reaching.RecordRuns, "covers", lambda *_args: False)  # every origin re-runs its backtest
    plain = _clusters_html()
    assert "clusters-fan" in fast and "held in" in fast
    assert fast == plain
