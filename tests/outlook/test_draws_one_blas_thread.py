"""The copula's product runs on one BLAS thread, and the draws are bitwise those of any thread count."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from computegov.outlook import load_preset
from computegov.outlook import model as outlook_model
from computegov.outlook.model import draw_inputs

YEARS = list(range(2026, 2036))


def _draws(n: int, seed: int) -> dict[str, np.ndarray]:
    preset = load_preset("epoch2024")
    return draw_inputs(preset.input_map(), preset.correlations, YEARS, rng=np.random.default_rng(seed), n_draws=n)


def test_the_product_runs_on_one_blas_thread() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    numpy_dir = str(Path(np.__file__).parent)  # numpy's own BLAS (numpy.libs/ or inside numpy/): the one @ uses
    with outlook_model._one_blas_thread():
        blas = [i for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas" and i["filepath"].startswith(numpy_dir)]
        assert blas and all(i["num_threads"] == 1 for i in blas)


@pytest.mark.parametrize("n", [1, 311, 20_000])
def test_draws_are_bitwise_the_same_with_many_blas_threads_and_without_threadpoolctl(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    one = _draws(n, seed=n)

    @contextlib.contextmanager
    def many() -> Iterator[None]:
        with threadpoolctl.threadpool_limits(limits=4, user_api="blas"):
            yield

    monkeypatch.setattr(outlook_model, "_one_blas_thread", many)
    threaded = _draws(n, seed=n)
    monkeypatch.setattr(outlook_model, "_one_blas_thread", contextlib.nullcontext)
    plain = _draws(n, seed=n)
    assert one.keys() == threaded.keys() == plain.keys()
    for name in one:
        assert one[name].tobytes() == threaded[name].tobytes() == plain[name].tobytes(), name


def test_without_threadpoolctl_the_draws_are_made_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _draws(2_000, seed=7)
    monkeypatch.setattr(outlook_model, "_blas_threads", lambda: None)
    got = _draws(2_000, seed=7)
    for name in expected:
        assert np.array_equal(got[name], expected[name]), name
