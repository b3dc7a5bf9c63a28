"""Country outlines under the location map, joined to the chart's spec when it is written.

Altair turns every value of a chart's inline data into a spec one Python call at a time, and
checks it against the Vega-Lite schema, each time a chart becomes a spec (``to_dict``). The
1:50m outlines are ~30,000 points (~1.3 MB of JSON), so that was most of the CPU time of the
report's location section (~0.9 s of ~2.3 s). Here the outlines layer is built and checked with
an empty placeholder (``{"values": []}``) and :class:`OutlinedLayerChart` puts the outlines into
the finished spec as plain JSON lists, which is what Altair would have written.
:meth:`OutlinedLayerChart.inline` is the same chart with the outlines handed to Altair in the
ordinary way; anything but a Vega-Lite spec from the default data transformer goes that way,
and tests/attest/test_location_map.py checks that both give the same spec, byte for byte.

Needs Altair (imported here); the outlines need the ``attest`` extra (shapely) and are empty
without it.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import altair as alt

__all__ = ["OutlinedLayerChart", "country_features", "has_outlines", "outline_layer", "outline_values"]

#: How far the drawn outlines are simplified, degrees (~5 km): outlines only, so the chart stays
#: small; the country decisions use the full 1:50m borders.
SIMPLIFY_DEG = 0.05


@functools.lru_cache(maxsize=1)
def _simplified() -> tuple[tuple[str, Any], ...]:
    """(alpha-3, simplified outline) per country; empty when the attest extra is missing."""
    try:
        import shapely

        from computegov.attest.borders import country_shapes

        shapes = country_shapes()
    except Exception:  # the attest extra is missing: draw without borders
        return ()
    simple = shapely.simplify(list(shapes.values()), SIMPLIFY_DEG)  # preserve_topology, as .simplify()
    return tuple(zip(shapes, simple, strict=True))


def has_outlines() -> bool:
    """Whether there are outlines to draw (the attest extra is installed)."""
    return bool(_simplified())


@functools.lru_cache(maxsize=1)
def country_features() -> tuple[dict[str, Any], ...]:
    """Every country's outline as a GeoJSON feature (``properties.iso``: alpha-3), simplified.

    Returns:
        The features in :func:`~computegov.attest.borders.country_shapes` order, coordinates
        as shapely's ``mapping`` gives them (tuples); empty when the attest extra is missing.
        Shared between calls: treat as read-only. :func:`outline_values` is the same, as
        fresh JSON lists, made faster.
    """
    import shapely

    return tuple({"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": {"iso": k}}
                 for k, g in _simplified())


@functools.lru_cache(maxsize=1)
def _outline_table() -> tuple[Any, list[tuple[str, str, Any]]]:
    """Every outline's coordinates in one (n, 2) array, and per country how to cut it into rings.

    Returns:
        (coordinates, [(alpha-3, geometry type, layout)]): for a Polygon the layout is its
        rings' (start, stop) rows, exterior first; for a MultiPolygon, that list per part. A
        geometry of any other shape (none among the bundled borders) has its ``mapping`` as
        layout instead (type ``""``).
    """
    import numpy as np
    import shapely

    blocks: list[Any] = []
    table: list[tuple[str, str, Any]] = []
    row = 0

    def rings_of(polygon: Any) -> list[tuple[int, int]]:
        nonlocal row
        spans = []
        for ring in shapely.get_rings(polygon):  # exterior, then the holes (shapely's order)
            xy = shapely.get_coordinates(ring)
            blocks.append(xy)
            spans.append((row, row + len(xy)))
            row += len(xy)
        return spans

    for code, g in _simplified():
        if g.geom_type == "Polygon" and not g.exterior.is_empty:
            table.append((code, "Polygon", rings_of(g)))
        elif g.geom_type == "MultiPolygon" and not any(p.exterior.is_empty for p in g.geoms):
            table.append((code, "MultiPolygon", [rings_of(p) for p in g.geoms]))
        else:
            table.append((code, "", shapely.geometry.mapping(g)))
    coords = np.concatenate(blocks) if blocks else np.zeros((0, 2))
    coords.flags.writeable = False
    return coords, table


def outline_values() -> list[dict[str, Any]]:
    """:func:`country_features` as fresh JSON-ready values: lists for tuples, new on every call.

    Equal to Altair's conversion of :func:`country_features` (tested): the coordinates come
    from the same GEOS coordinate sequences, through one numpy ``tolist``.
    """
    coords, table = _outline_table()
    flat = coords.tolist()
    out: list[dict[str, Any]] = []
    for code, kind, layout in table:
        if kind == "Polygon":
            geometry = {"type": kind, "coordinates": [flat[a:b] for a, b in layout]}
        elif kind == "MultiPolygon":
            geometry = {"type": kind, "coordinates": [[flat[a:b] for a, b in part] for part in layout]}
        else:
            geometry = _json_ready(layout)
        out.append({"type": "Feature", "geometry": geometry, "properties": {"iso": code}})
    return out


def _json_ready(value: Any) -> Any:
    """A fresh copy with tuples as lists: Altair's own conversion for dicts, lists, str and float."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def outline_layer(values: Any) -> alt.Chart:
    """The grey country-outline layer over ``values`` (the features, or the empty placeholder)."""
    return alt.Chart(alt.Data(values=values)).mark_geoshape(fill="#eeeeee", stroke="#bbbbbb", strokeWidth=0.5)


class OutlinedLayerChart(alt.LayerChart):
    """A layered chart whose first layer, :func:`outline_layer` over ``[]``, draws the outlines.

    Its spec equals :meth:`inline`'s; only the outlines skip Altair's value-by-value conversion
    and schema check (they are GeoJSON from shapely, and the rest of the chart is still checked).
    """

    def inline(self) -> alt.LayerChart:
        """The same chart as a plain Altair chart, outlines inline (Altair's own, slower path)."""
        layers = list(self.layer)
        layers[0] = outline_layer(list(country_features()))
        return alt.LayerChart(*self._args, **{**self._kwds, "layer": layers})

    def to_dict(
        self,
        validate: bool = True,
        *,
        format: Literal["vega-lite", "vega"] = "vega-lite",
        ignore: list[str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The Vega-Lite spec, with the outlines as the first layer's inline values."""
        if format == "vega-lite" and alt.data_transformers.active == "default":
            spec = super().to_dict(validate, format=format, ignore=ignore, context=context)
            layers = spec.get("layer")
            first = layers[0] if isinstance(layers, list) and layers else None
            if isinstance(first, dict) and first.get("data") == {"values": []}:
                first["data"]["values"] = outline_values()
                return spec
        return self.inline().to_dict(validate, format=format, ignore=ignore, context=context)
