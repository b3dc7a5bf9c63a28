"""The scipy.special-based distribution functions equal scipy.stats' to the bit, edge cases included."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from computegov.trends.distributions import f_sf, norm_ppf, norm_sf, t_cdf, t_ppf

EDGE_P = [0.0, 1.0, 0.5, -0.1, 1.1, np.nan, 1e-300, 1 - 1e-16, 0.025, 0.975]
EDGE_X = [0.0, -0.0, -1.0, 1.0, np.inf, -np.inf, np.nan, 1e300, -1e-300, 3.5]
EDGE_DF = [1, 2, 3, 29, 0, -1, np.nan, np.inf, 0.5]

probabilities = st.one_of(st.floats(0.0, 1.0), st.sampled_from(EDGE_P))
reals = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(EDGE_X))
dofs = st.one_of(st.integers(1, 200), st.floats(0.1, 1e3), st.sampled_from(EDGE_DF))


def same(a: object, b: object) -> bool:
    """Equal bit for bit (NaN equal to NaN, -0.0 different from 0.0), same shape and kind."""
    aa, bb = np.asarray(a), np.asarray(b)
    return aa.shape == bb.shape and type(a) is type(b) and aa.tobytes() == bb.tobytes()


@settings(max_examples=50, deadline=None)
@given(q=st.lists(probabilities, min_size=1, max_size=6), df=dofs)
def test_t_ppf_equals_scipy(q: list[float], df: float) -> None:
    assert same(t_ppf(np.array(q), df), stats.t.ppf(np.array(q), df))


@settings(max_examples=50, deadline=None)
@given(x=st.lists(reals, min_size=1, max_size=6), df=dofs)
def test_t_cdf_equals_scipy(x: list[float], df: float) -> None:
    assert same(t_cdf(np.array(x), df), stats.t.cdf(np.array(x), df))


@settings(max_examples=50, deadline=None)
@given(q=probabilities)
def test_norm_ppf_equals_scipy_on_scalars(q: float) -> None:
    assert same(norm_ppf(q), stats.norm.ppf(q))


@settings(max_examples=50, deadline=None)
@given(x=st.lists(reals, min_size=1, max_size=6))
def test_norm_sf_equals_scipy(x: list[float]) -> None:
    assert same(norm_sf(np.array(x)), stats.norm.sf(np.array(x)))
    assert same(norm_sf(x[0]), stats.norm.sf(x[0]))


@settings(max_examples=50, deadline=None)
@given(x=reals, dfn=dofs, dfd=dofs)
def test_f_sf_equals_scipy_on_scalars(x: float, dfn: float, dfd: float) -> None:
    assert same(f_sf(x, dfn, dfd), stats.f.sf(x, dfn, dfd))


def test_broadcast_shapes_equal_scipy() -> None:
    levels = (np.arange(7) + 0.5) / 7
    df = np.array([[2], [5], [0]])
    assert same(t_ppf(levels, df), stats.t.ppf(levels, df))
    z = np.linspace(-4, 4, 9)
    assert same(t_cdf(z[None, :], np.array([[3], [-1]])), stats.t.cdf(z[None, :], np.array([[3], [-1]])))


def test_importing_trends_does_not_load_scipy() -> None:
    code = "import sys, computegov.trends, computegov.trends.record; print(any(m.startswith('scipy') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
