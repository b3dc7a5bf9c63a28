"""Converting charts quickly (``many_charts``) gives the same specs; checks stay on elsewhere."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import threading
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils import schemapi
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.charts.base import (
    _copy_shortcut,
    _frame_shortcut,
    _scalar_shortcut,
    chart_html,
    chart_spec,
    many_charts,
)


class _Level(enum.IntEnum):
    LOW = 1


class _Name(str):
    pass


def _typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out (1 and 1.0 and True differ; NaN equals NaN)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_typed(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return (type(value).__name__, "nan")
    return (type(value).__name__, repr(value))


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.floats(allow_nan=True).map(np.float64), st.integers(-2**31, 2**31 - 1).map(np.int64),
    st.booleans().map(np.bool_), st.floats(width=32).map(np.float32),
    st.dates().map(lambda d: np.datetime64(d.isoformat())),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(pd.Timestamp),
    st.dates(), st.datetimes(), st.just(_Level.LOW), st.text(max_size=3).map(_Name), st.just(schemapi.Undefined),
    st.lists(st.floats(allow_nan=True), max_size=4).map(np.array),
)
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=3), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(_values)
def test_the_scalar_shortcut_converts_every_value_as_altair_does(value: Any) -> None:
    opts = {"np_opt": np, "pd_opt": pd}
    plain = schemapi._todict
    with many_charts():
        assert schemapi._todict is not plain  # in place: the recursion goes through it too
        quick = schemapi._todict(value, {}, **opts)
    assert schemapi._todict is plain
    assert _typed(quick) == _typed(plain(value, {}, **opts))
    assert _typed(_scalar_shortcut(plain)(value, {}, **opts)) == _typed(quick)


def _same_objects(copied: Any, original: Any) -> Any:
    """Where ``copied`` holds the very containers of ``original`` (True) rather than new ones."""
    if isinstance(copied, dict) and isinstance(original, dict):
        return (copied is original, tuple((k, _same_objects(v, original.get(k))) for k, v in copied.items()))
    if isinstance(copied, list) and isinstance(original, list | tuple):
        return (copied is original, tuple(_same_objects(c, o) for c, o in zip(copied, original, strict=False)))
    return copied is original if isinstance(copied, list | dict | schemapi.SchemaBase) else None


_copyable = st.recursive(
    st.one_of(_leaves, st.builds(lambda f: alt.X(field=f, type="quantitative"), st.text(max_size=3)),
              st.just(alt.Scale(domain=[0, 1]))),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["a", "b", "data", "shared"]), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(_copyable, st.sets(st.sampled_from(["data", "shared"])))
def test_the_copy_shortcut_copies_every_value_as_altair_does(value: Any, by_ref: set[str]) -> None:
    plain = schemapi._deep_copy
    with many_charts():
        assert schemapi._deep_copy is not plain
        quick = schemapi._deep_copy(value, by_ref)
    assert schemapi._deep_copy is plain
    expected = plain(value, by_ref)
    assert _typed(quick) == _typed(expected)
    assert _same_objects(quick, value) == _same_objects(expected, value)  # new containers where altair makes them
    assert _typed(_copy_shortcut(plain)(value, by_ref)) == _typed(expected)


_plain_columns = {
    "float64": st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(-0.0)), min_size=3,
                        max_size=3).map(lambda v: pd.Series(v, dtype="float64")),
    "int64": st.lists(st.integers(-2**63, 2**63 - 1), min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype="int64")),
    "str": st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype="str")),
}
_other_columns = {  # altair's own conversion: the shortcut must hand these over
    "bool": st.lists(st.booleans(), min_size=3, max_size=3).map(pd.Series),
    "object": st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=2)), min_size=3, max_size=3).map(
        lambda v: pd.Series(v, dtype=object)),
    "Float64": st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9)), min_size=3, max_size=3).map(
        lambda v: pd.Series(v, dtype="Float64")),
    "category": st.lists(st.sampled_from(["x", "y", None]), min_size=3, max_size=3).map(
        lambda v: pd.Series(v, dtype="category")),
    "datetime": st.lists(st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1)),
                         min_size=3, max_size=3).map(pd.Series),
    "float32": st.lists(st.floats(width=32), min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype="float32")),
}


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    kinds = draw(st.lists(st.sampled_from(sorted(_plain_columns) * 3 + sorted(_other_columns)), max_size=5))
    names = draw(st.lists(st.text(max_size=4), min_size=len(kinds), max_size=len(kinds), unique=True))
    columns = _plain_columns | _other_columns
    frame = pd.DataFrame({name: draw(columns[kind]).array for name, kind in zip(names, kinds, strict=True)})
    if draw(st.booleans()) and len(frame):
        frame.index = pd.Index(draw(st.lists(st.integers(), min_size=len(frame), max_size=len(frame))))
    return frame


@settings(max_examples=50, deadline=None)
@given(_frames())
def test_the_frame_shortcut_gives_the_rows_altair_gives(frame: pd.DataFrame) -> None:
    import altair.vegalite.data as data

    plain = data.to_values
    before = frame.copy()
    with many_charts():
        assert data.to_values is not plain
        quick = data.to_values(frame)
        through_transformer = alt.data_transformers.get()(frame)  # the way charts call it (narwhals-wrapped)
    assert data.to_values is plain
    expected = _typed(plain(frame))
    assert _typed(quick) == expected
    assert _typed(through_transformer) == expected == _typed(alt.data_transformers.get()(frame))
    pd.testing.assert_frame_equal(frame, before)  # the chart's frame is left as it was
    assert _typed(_frame_shortcut(plain)(frame)) == expected


def test_the_frame_shortcut_is_what_charts_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from computegov.charts import base

    made: list[Any] = []

    def counting(frame: pd.DataFrame) -> Any:
        made.append(records := plain_records(frame))
        return records

    plain_records = base._plain_frame_records
    monkeypatch.setattr(base, "_plain_frame_records", counting)
    frame = pd.DataFrame({"x": [1.0, np.nan], "n": [1, 2], "s": ["a", None]})
    with many_charts():
        spec = chart_spec(alt.Chart(frame).mark_point().encode(x="x:Q", y="n:Q"))
    rows = [{"x": 1.0, "n": 1, "s": "a"}, {"x": None, "n": 2, "s": None}]
    assert made == [rows]  # the chart's frame went through the shortcut, not altair's conversion
    assert list(spec["datasets"].values()) == [rows]


def test_the_frame_shortcut_hands_unusual_frames_to_altair() -> None:
    import altair.vegalite.data as data

    repeated = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    numbered = pd.DataFrame([[1.0, 2.0]])
    nested = pd.DataFrame({"a": [1.0, 2.0]}, index=pd.MultiIndex.from_tuples([(1, 2), (3, 4)]))
    for frame in (repeated, numbered, nested):
        try:
            expected: Any = _typed(data.to_values(frame))
        except ValueError as err:
            expected = str(err)
        with many_charts():
            try:
                quick: Any = _typed(data.to_values(frame))
            except ValueError as err:
                quick = str(err)
        assert quick == expected


def _charts() -> list[alt.TopLevelMixin]:
    frame = pd.DataFrame({
        "year": [2019.5, 2020.0, np.nan, 2022.25],
        "count": np.array([1, 2, 3, 4], dtype=np.int64),
        "flag": [True, False, True, False],
        "name": ["a", "b", None, "d"],
        "value": [1e12, np.inf, 3.5, -np.inf],
        "when": pd.to_datetime(["2020-01-01", "2021-06-30", "2022-01-01", "2023-03-03"]),
        "kind": pd.Categorical(["x", "y", "x", None]),
        "nullable": pd.array([1, None, 3, 4], dtype="Int64"),
    })
    base = alt.Chart(frame).mark_point().encode(
        x=alt.X("year:Q", scale=alt.Scale(domain=[np.float64(2019), 2023])), y="value:Q", color="kind:N",
        tooltip=["name:N", "count:Q", "flag:N", alt.Tooltip("when:T", format="%Y")],
    ).properties(width=300, title=alt.TitleParams("t", subtitle=["one", "two"]))
    rule = alt.Chart(alt.Data(values=[{"y": np.int64(3), "label": "three"}])).mark_rule().encode(y="y:Q")
    return [base, alt.layer(base, rule), alt.hconcat(base, rule.properties(width=100)),
            base.facet(column="flag:N"), alt.Chart(frame).mark_bar().encode(x="nullable:Q", y="count()")]


def test_charts_convert_to_the_same_specs_in_many_charts() -> None:
    plain = [json.dumps(c.to_dict(), sort_keys=False) for c in _charts()]
    with many_charts():
        quick = [json.dumps(chart_spec(c), sort_keys=False) for c in _charts()]
        html_quick = [chart_html(c, f"c{i}") for i, c in enumerate(_charts())]
    assert quick == plain
    assert html_quick == [chart_html(c, f"c{i}") for i, c in enumerate(_charts())]


def _invalid() -> alt.Chart:
    return alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x=alt.X("a:Q", bin="often"))


def test_charts_are_checked_outside_many_charts_and_in_other_threads() -> None:
    with pytest.raises(schemapi.SchemaValidationError):
        chart_html(_invalid(), "bad")
    seen: list[str] = []

    def other_thread() -> None:
        try:
            chart_html(_invalid(), "bad")
            seen.append("unchecked")
        except schemapi.SchemaValidationError:
            seen.append("checked")

    with many_charts():
        with many_charts():  # nested blocks: the outer one still holds after the inner one ends
            assert 'data-chart-for="bad"' in chart_html(_invalid(), "bad")
        assert 'data-chart-for="bad"' in chart_html(_invalid(), "bad")
        assert getattr(schemapi._todict, "plain", None) is not None
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == ["checked"]  # a page rendered beside a build is still checked
    assert getattr(schemapi._todict, "plain", None) is None
    with pytest.raises(schemapi.SchemaValidationError):
        chart_html(_invalid(), "bad")
