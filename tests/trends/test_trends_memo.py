"""Forecast ensembles computed once per process: a hit is the miss's value, every input is in the key."""

from __future__ import annotations

import numpy as np
import pytest

from computegov.trends.backtest import backtest_points
from computegov.trends.hindcast import ENSEMBLES, method_stream, seeded_ensemble
from computegov.trends.memo import Memo, digest_inputs
from computegov.trends.methods import method_ensemble


def _series(seed: int = 1, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    years = np.sort(2000 + 22 * rng.random(n))
    return years, 10 + 0.2 * (years - 2000) + 0.3 * rng.standard_normal(n)


def _request(**change: object) -> dict[str, object]:
    x, y = _series()
    train = x < 2015
    args: dict[str, object] = {
        "method": "loglinear_all", "train_x": x[train], "train_y": y[train], "origin": 2015,
        "targets": np.arange(2016.0, 2019.0), "seed": 11, "n_samples": 200, "n_boot": 100,
    }
    args.update(change)
    return args


@pytest.fixture(autouse=True)
def _fresh_table() -> None:
    ENSEMBLES.clear()


@pytest.mark.parametrize("method", ["loglinear_all", "loglinear_frontier", "random_walk_drift", "moore_2yr"])
def test_a_remembered_ensemble_equals_the_one_computed_on_its_own_stream(method: str) -> None:
    args = _request(method=method)
    direct = method_ensemble(
        method, train_x=args["train_x"], train_y=args["train_y"], origin=2015,  # type: ignore[arg-type]
        targets=args["targets"], rng=method_stream(11, 2015, method), n_samples=200, n_boot=100,  # type: ignore[arg-type]
    )
    first = seeded_ensemble(**args)  # type: ignore[arg-type]
    again = seeded_ensemble(**args)  # type: ignore[arg-type]
    assert direct is not None and first is not None
    assert np.array_equal(first, direct)
    assert again is first  # the second request is a hit
    assert (ENSEMBLES.misses, ENSEMBLES.hits) == (1, 1)


def test_remembered_arrays_are_read_only() -> None:
    got = seeded_ensemble(**_request())  # type: ignore[arg-type]
    assert got is not None
    with pytest.raises(ValueError):
        got[..., 0] = 0.0


@pytest.mark.parametrize(
    "change",
    [
        {"method": "loglinear_frontier"},
        {"origin": 2014},
        {"seed": 12},
        {"n_samples": 201},
        {"n_boot": 101},
        {"targets": np.arange(2016.0, 2020.0)},
        {"train_y": _request()["train_y"] + 1e-12},  # type: ignore[operator]
        {"train_x": _request()["train_x"] - 1e-9},  # type: ignore[operator]
    ],
    ids=lambda c: next(iter(c)),
)
def test_a_changed_input_is_a_miss(change: dict[str, object]) -> None:
    seeded_ensemble(**_request())  # type: ignore[arg-type]
    seeded_ensemble(**_request(**change))  # type: ignore[arg-type]
    assert (ENSEMBLES.misses, ENSEMBLES.hits) == (2, 0)


def test_a_backtest_run_twice_gives_the_same_scores_and_hits_the_table() -> None:
    x, y = _series(3, n=50)
    runs = [
        backtest_points(x, 10**y, rng=np.random.default_rng(5), horizon_years=2,
                        methods=["loglinear_all", "loglinear_all+cal", "random_walk_drift"],
                        n_samples=200, n_boot=100)
        for _ in range(2)
    ]
    misses = ENSEMBLES.misses
    assert misses > 0 and ENSEMBLES.hits >= misses  # the second run computed nothing
    assert runs[0].scores == runs[1].scores
    ENSEMBLES.clear()
    fresh = backtest_points(x, 10**y, rng=np.random.default_rng(5), horizon_years=2,
                            methods=["loglinear_all", "loglinear_all+cal", "random_walk_drift"],
                            n_samples=200, n_boot=100)
    assert fresh.scores == runs[0].scores


def test_the_table_forgets_least_recently_used_entries_beyond_its_byte_bound() -> None:
    memo = Memo(max_bytes=3 * 800)
    for i in range(4):
        memo.get_or_compute(digest_inputs("k", i), lambda: np.zeros(100))  # 800 bytes each
    assert len(memo) == 3
    memo.get_or_compute(digest_inputs("k", 0), lambda: np.ones(100))  # forgotten: recomputed
    assert memo.misses == 5 and memo.hits == 0


def test_digest_tells_dtype_shape_and_type_apart() -> None:
    a = np.arange(6, dtype=np.float64)
    keys = {
        digest_inputs(a), digest_inputs(a.reshape(2, 3)), digest_inputs(a.astype(np.float32)),
        digest_inputs(1), digest_inputs(1.0), digest_inputs("1"), digest_inputs((1,)), digest_inputs([1]),
    }
    assert len(keys) == 8
    with pytest.raises(TypeError):
        digest_inputs(object())


def test_hindcast_medians_and_scales_equal_the_summary_of_each_ensemble_fresh_or_remembered() -> None:
    """run_hindcasts remembers each ensemble's (median, scale): the same bits as summarising it again."""
    from computegov.trends.calibration import ensemble_median_scale
    from computegov.trends.hindcast import SUMMARIES, run_hindcasts

    x, y = _series(4, n=40)
    kwargs = {"methods": ["loglinear_all", "random_walk_drift", "moore_2yr"], "horizon_years": 3, "seed": 9,
              "n_samples": 100, "n_boot": 50}
    SUMMARIES.clear()
    first = run_hindcasts(x, y, origins=[2012, 2014, 2016], **kwargs)
    again = run_hindcasts(x, y, origins=[2014, 2016, 2018], **kwargs)  # two origins already summarised
    assert SUMMARIES.hits > 0
    for runs in (first, again):
        for hc in runs.values():
            for i, ens in enumerate(hc.ensembles):
                if ens is None:
                    assert np.isnan(hc.median[i]).all()
                    continue
                median, scale = ensemble_median_scale(ens, hc.horizons)
                assert hc.median[i].tobytes() == median.tobytes()
                assert hc.scale[i].tobytes() == scale.tobytes()
