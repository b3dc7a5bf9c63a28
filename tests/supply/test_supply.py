"""Dies per wafer and yield against textbook worked examples; bottlenecks; Monte Carlo; presets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.errors import InputError
from computegov.supply import (
    PRESETS,
    Param,
    die_yield,
    estimate,
    get_preset,
    gross_dies_per_wafer,
    simulate,
)

# Hennessy & Patterson, Computer Architecture: A Quantitative Approach, 5th ed. (2011), section 1.6,
# worked example: 300 mm wafer, 1.5 cm and 1.0 cm square dies -> 270 and 640 dies per wafer.
# 4th ed. (2007), Appendix L, Case Study 1 solutions 1.2a/1.2b: 3.89 cm^2 -> 148, 1.86 cm^2 -> 331.
DPW_EXAMPLES = [(225.0, 270.0), (100.0, 640.0), (389.0, 148.0), (186.0, 331.0)]


@pytest.mark.parametrize(("area_mm2", "expected"), DPW_EXAMPLES)
def test_gross_dies_per_wafer_matches_textbook(area_mm2: float, expected: float) -> None:
    assert gross_dies_per_wafer(area_mm2, 300.0) == pytest.approx(expected, rel=0.01)


def test_edge_exclusion_shrinks_the_usable_wafer() -> None:
    # 3 mm exclusion on a 300 mm wafer is the formula at d = 294 mm.
    assert gross_dies_per_wafer(100.0, 300.0, 3.0) == pytest.approx(gross_dies_per_wafer(100.0, 294.0))


# UC Berkeley IEOR 130 (Prof. R. Leachman, Spring 2009), HW 4 solutions, problem 1: die yield of the
# Poisson, Murphy and Seeds models (Seeds = negative binomial with alpha = 1) for area A (cm^2) and D (/cm^2).
YIELD_TABLE = [
    # A_cm2, D, Poisson, Murphy, Seeds
    (0.5, 0.5, 0.7788, 0.7829, 0.8000),
    (1.0, 0.75, 0.4724, 0.4949, 0.5714),
    (1.0, 1.0, 0.3679, 0.3996, 0.5000),
    (1.0, 1.5, 0.2231, 0.2682, 0.4000),
    (2.0, 1.5, 0.0498, 0.1003, 0.2500),
]


@pytest.mark.parametrize(("a_cm2", "d0", "poisson", "murphy", "seeds"), YIELD_TABLE)
def test_yield_models_match_worked_examples(a_cm2: float, d0: float, poisson: float, murphy: float, seeds: float) -> None:
    area = a_cm2 * 100.0
    assert die_yield(area, d0, "poisson") == pytest.approx(poisson, rel=0.01)
    assert die_yield(area, d0, "murphy") == pytest.approx(murphy, rel=0.01)
    assert die_yield(area, d0, "negative-binomial", alpha=1.0) == pytest.approx(seeds, rel=0.01)


@pytest.mark.parametrize(("a_cm2", "d0", "expected"), [(3.89, 0.30, 0.36), (1.86, 0.70, 0.32)])
def test_negative_binomial_alpha_4_matches_hennessy_patterson(a_cm2: float, d0: float, expected: float) -> None:
    # H&P 4th ed., Appendix L, Case Study 1 solutions 1.2a/1.2b, yield = (1 + D*A/4)^-4, given to 2 decimals.
    assert die_yield(a_cm2 * 100, d0, "negative-binomial", alpha=4.0) == pytest.approx(expected, abs=0.005)


@given(st.floats(1, 800), st.floats(0, 2))
def test_negative_binomial_tends_to_poisson(area: float, d0: float) -> None:
    big = die_yield(area, d0, "negative-binomial", alpha=1e7)
    assert big == pytest.approx(die_yield(area, d0, "poisson"), rel=1e-4, abs=1e-12)
    # Clustering helps: at equal D0, clustered defects leave more good dies than random ones.
    assert die_yield(area, d0, "negative-binomial", alpha=2.0) >= die_yield(area, d0, "poisson") - 1e-12


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: gross_dies_per_wafer(900.0), "die_area_mm2"),  # over the 858 mm^2 reticle
        (lambda: gross_dies_per_wafer(800.0, 25.0), "die_area_mm2"),  # bigger than the wafer
        (lambda: gross_dies_per_wafer(-1.0), "die_area_mm2"),
        (lambda: gross_dies_per_wafer(100.0, 300.0, 150.0), "edge_exclusion_mm"),
        (lambda: die_yield(100.0, -0.1), "defect_density_per_cm2"),
        (lambda: die_yield(100.0, 0.1, "negative-binomial", alpha=0.0), "alpha"),
        (lambda: die_yield(100.0, 0.1, "gaussian"), "yield_model"),
        (lambda: get_preset("tsmc-n4-reticle").override(packaging_yield=1.5), "packaging_yield"),
        (lambda: get_preset("tsmc-n4-reticle").override(wafer_starts_per_month=-10), "wafer_starts_per_month"),
    ],
)
def test_bad_parameters_name_their_field(call: object, field: str) -> None:
    with pytest.raises(InputError, match=f"^{field}: "):
        call()  # type: ignore[operator]


def test_binding_bottleneck_is_the_smallest_stage() -> None:
    params = get_preset("tsmc-n4-reticle").override(hbm_stacks_per_year=1e12, packaging_wafers_per_month=1e9)
    result = estimate(params)
    assert result.binding == "logic"
    # logic: starts x 12 x gross x yield / dies per package, by hand from the pieces.
    expected = 15_000 * 12 * result.gross_dies_per_wafer * result.die_yield / 1
    assert result.accelerators_per_year == pytest.approx(expected)
    starved = estimate(params.override(hbm_stacks_per_year=5e5, hbm_stacks_per_package=5))
    assert starved.binding == "hbm" and starved.accelerators_per_year == pytest.approx(1e5)


def test_monte_carlo_interval_brackets_the_central_value_and_is_seeded() -> None:
    params = get_preset("smic-7nm")
    a = simulate(params, rng=np.random.default_rng(1), n_samples=2000)
    b = simulate(params, rng=np.random.default_rng(1), n_samples=2000)
    assert a.quantiles == b.quantiles
    assert a.quantiles["0.05"] < a.central.accelerators_per_year < a.quantiles["0.95"]
    assert sum(a.binding_share.values()) == pytest.approx(1.0)
    fixed = params.override(**{k: p.value for k, p in params.params().items()})
    c = simulate(fixed, rng=np.random.default_rng(1), n_samples=200)
    assert c.ranged == () and c.quantiles["0.05"] == pytest.approx(c.central.accelerators_per_year)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_value_is_cited_or_an_estimate_with_a_range(name: str) -> None:
    for key, param in PRESETS[name].params().items():
        assert param.source and param.source != "user", f"{name}.{key} has no source"
        if param.estimate:
            assert param.low is not None and param.high is not None, f"{name}.{key}: estimate without a range"
            assert param.source.startswith("estimate") or "estimate" in param.source


def test_reticle_sized_preset_is_near_the_reticle() -> None:
    p = get_preset("tsmc-n4-reticle")
    assert 0.9 * p.reticle_limit_mm2 < p.die_area_mm2.value <= p.reticle_limit_mm2
    assert math.isclose(p.reticle_limit_mm2, 858.0)


def test_param_range_must_contain_value() -> None:
    with pytest.raises(InputError, match=r"^range: "):
        Param(5.0, 6.0, 7.0)
