"""The largest training run feasible each year, constraint by constraint: the function under it all.

:func:`build_preset` turns a preset name, ``--set`` assignments and an assumptions file into a
:class:`~computegov.outlook.presets.Preset`; :func:`feasible_runs` runs the Monte Carlo
(:func:`computegov.outlook.model.simulate`) and summarises it as an :class:`Outlook`: for each
year the quantiles of every constraint's limit, of the feasible run (the minimum over the
binding set, per draw), how often each constraint binds, and the frontier-compute trend beside
it. With the ``epoch2024`` preset it also checks the 2030 medians against the anchor's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.outlook.inputs import Correlation, parse_assignment, read_assumptions
from computegov.outlook.model import CONSTRAINTS, Draws, simulate
from computegov.outlook.presets import PRESET_NAMES, Preset, load_preset
from computegov.outlook.toolkit import ToolkitSources, toolkit_preset
from computegov.outlook.trend import TrendExtrapolation, frontier_trend

__all__ = [
    "ANCHOR_FACTOR",
    "DEFAULT_DRAWS",
    "DEFAULT_YEARS",
    "LEVELS",
    "AnchorCheck",
    "ConstraintFan",
    "Outlook",
    "build_preset",
    "feasible_runs",
    "summarise",
]

#: Default outlook years.
DEFAULT_YEARS: tuple[int, ...] = tuple(range(2026, 2036))
#: Quantile levels reported.
LEVELS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Monte Carlo draws by default.
DEFAULT_DRAWS = 100_000
#: The issue's check: each 2030 median within this factor of the anchor's.
ANCHOR_FACTOR = 3.0
_YEAR_RANGE = (2000, 2100)


def check_years(years: Sequence[int]) -> tuple[int, ...]:
    """Sorted unique years, each in 2000-2100.

    Raises:
        InputError: no year, or one out of range.
    """
    out = tuple(sorted({int(y) for y in years}))
    if not out:
        raise InputError("years: give at least one year")
    if out[0] < _YEAR_RANGE[0] or out[-1] > _YEAR_RANGE[1]:
        raise InputError(f"years: expected years from {_YEAR_RANGE[0]} to {_YEAR_RANGE[1]}, got {out[0]}-{out[-1]}")
    return out


def build_preset(name: str | None = None, years: Sequence[int] = DEFAULT_YEARS, *, sets: Sequence[str] = (),
                 assumptions: str | Path | None = None, origin: int | None = None,
                 sources: ToolkitSources | None = None, binding: Sequence[str] | None = None) -> Preset:
    """A preset with the user's overrides applied (the file first, then each ``--set``).

    Args:
        name: ``toolkit`` (computed from computegov's rooms) or ``epoch2024``; None: the preset
            the assumptions file names, else ``toolkit``.
        years: outlook years (the toolkit's fans are made for them).
        sets: ``name=value`` or ``name=low..high`` assignments, applied after the file.
        assumptions: a YAML file of inputs and correlations.
        origin: toolkit only: use data before 1 January of this year.
        sources: toolkit only: chips, systems, ensemble sizes.
        binding: constraints the feasible run is the minimum of (None: the preset's).

    Raises:
        UnknownNameError: unknown preset or input.
        InputError, DataError: a bad assignment or file.
    """
    ys = check_years(years)
    file_preset = None
    if assumptions is not None:
        # read once for the preset name (the inputs are checked against the chosen preset below)
        file_preset, _, _ = read_assumptions(assumptions, load_preset("toolkit").input_map())
    chosen = name or file_preset or "toolkit"
    if chosen not in PRESET_NAMES:
        load_preset(chosen)  # raises UnknownNameError listing the presets
    preset = toolkit_preset(ys, origin=origin, sources=sources) if chosen == "toolkit" else load_preset(chosen)
    extra: list[Correlation] = []
    if assumptions is not None:
        _, from_file, extra = read_assumptions(assumptions, preset.input_map())
        preset = preset.with_inputs(from_file)
    current = preset.input_map()
    for text in sets:
        inp = parse_assignment(text, current)
        preset = preset.with_inputs([inp])
        current = preset.input_map()
    preset = preset.with_correlations(extra)
    return preset.with_binding(binding) if binding is not None else preset


@dataclasses.dataclass(frozen=True)
class ConstraintFan:
    """One constraint's limit by year.

    Attributes:
        name: power, chips, data, latency or money.
        quantiles_flop: ``[year][level]`` FLOP.
        binding_share: per year, the share of draws in which it is the minimum (0 when outside the set).
        in_minimum: whether it is part of the binding set.
    """

    name: str
    quantiles_flop: tuple[tuple[float, ...], ...]
    binding_share: tuple[float, ...]
    in_minimum: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class AnchorCheck:
    """One constraint's 2030 median against the anchor's.

    Attributes:
        constraint: the constraint.
        model_median_flop: the model's 2030 median, FLOP.
        anchor_median_flop: the anchor's, FLOP.
        ratio: model / anchor.
        within_factor: whether ``1/ANCHOR_FACTOR <= ratio <= ANCHOR_FACTOR``.
        source: the anchor's source.
    """

    constraint: str
    model_median_flop: float
    anchor_median_flop: float
    ratio: float
    within_factor: bool
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Outlook:
    """The largest training run feasible each year, by constraint, with the trend beside it.

    Attributes:
        preset: the preset (inputs, sources, correlations) the numbers come from.
        years: outlook years.
        levels: quantile levels of every ``quantiles_flop``.
        constraints: one fan per constraint, in :data:`CONSTRAINTS` order.
        feasible_flop: ``[year][level]`` quantiles of the minimum over the binding set, FLOP.
        binding: per year, the constraint that binds most often.
        trend: the frontier-compute trend's extrapolation (None when not computed).
        n_draws: Monte Carlo draws.
        anchor_checks: the 2030 checks against the anchor (presets with anchors only).
        p_trend_above_feasible: per year, P(the trend's run > the feasible run), the two taken as
            independent (empty without a trend): where the trend meets the wall.
    """

    preset: Preset
    years: tuple[int, ...]
    levels: tuple[float, ...]
    constraints: tuple[ConstraintFan, ...]
    feasible_flop: tuple[tuple[float, ...], ...]
    binding: tuple[str, ...]
    trend: TrendExtrapolation | None
    n_draws: int
    anchor_checks: tuple[AnchorCheck, ...] = ()
    p_trend_above_feasible: tuple[float, ...] = ()

    @property
    def trend_meets_feasible_year(self) -> int | None:
        """First year the trend's median reaches the feasible run's median (None: not within the years)."""
        if self.trend is None:
            return None
        mid = self.levels.index(0.5)
        return next((y for i, y in enumerate(self.years)
                     if self.trend.quantiles_flop[i][mid] >= self.feasible_flop[i][mid]), None)

    def constraint(self, name: str) -> ConstraintFan:
        """The fan of one constraint.

        Raises:
            InputError: unknown constraint.
        """
        for c in self.constraints:
            if c.name == name:
                return c
        raise InputError(f"constraint: expected one of {', '.join(CONSTRAINTS)}, got {name!r}")

    def median(self, name: str, year: int) -> float:
        """Median FLOP of a constraint (or ``feasible``) in a year."""
        i, j = self.years.index(year), self.levels.index(0.5)
        return self.feasible_flop[i][j] if name == "feasible" else self.constraint(name).quantiles_flop[i][j]

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per (year, series): for CSV output."""
        out = []
        for i, y in enumerate(self.years):
            series: list[tuple[str, tuple[float, ...], float | None]] = [
                (c.name, c.quantiles_flop[i], c.binding_share[i]) for c in self.constraints]
            series.append(("feasible", self.feasible_flop[i], None))
            if self.trend is not None:
                series.append(("trend", self.trend.quantiles_flop[i], None))
            for name, q, share in series:
                out.append({"year": y, "series": name, **{f"q{round(lv * 100):02d}_flop": v
                                                          for lv, v in zip(self.levels, q, strict=True)},
                            "binding_share": share, "binding": self.binding[i] if name == "feasible" else ""})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (shape documented in docs/cli-json.md)."""
        return {
            "preset": self.preset.to_dict(),
            "years": list(self.years),
            "levels": list(self.levels),
            "n_draws": self.n_draws,
            "binding_set": list(self.preset.binding),
            "by_year": [
                {
                    "year": y,
                    "constraints": {c.name: {"quantiles_flop": list(c.quantiles_flop[i]),
                                             "binding_share": c.binding_share[i], "in_minimum": c.in_minimum}
                                    for c in self.constraints},
                    "feasible_quantiles_flop": list(self.feasible_flop[i]),
                    "binding": self.binding[i],
                    "trend_quantiles_flop": list(self.trend.quantiles_flop[i]) if self.trend else None,
                    "p_trend_above_feasible": self.p_trend_above_feasible[i] if self.p_trend_above_feasible else None,
                }
                for i, y in enumerate(self.years)
            ],
            "trend": self.trend.to_dict() if self.trend else None,
            "trend_meets_feasible_year": self.trend_meets_feasible_year,
            "anchor_checks": [a.to_dict() for a in self.anchor_checks],
        }


def _quantiles(x: npt.NDArray[np.float64], levels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``(n_years, n_levels)`` quantiles of ``(n, n_years)`` draws (years made contiguous first: faster).

    A constraint whose inputs do not change with the year comes as one column broadcast over the
    years (stride 0): its quantiles are computed once and repeated, the same numbers as computing
    each identical column.
    """
    if x.ndim == 2 and x.shape[1] > 1 and x.strides[1] == 0:
        one = np.quantile(x[:, 0], levels)
        return np.asarray(np.repeat(one[None, :], x.shape[1], axis=0))
    return np.asarray(np.quantile(np.ascontiguousarray(x.T), levels, axis=1).T)


def summarise(draws: Draws, preset: Preset, trend: TrendExtrapolation | None,
              levels: Sequence[float] = LEVELS) -> Outlook:
    """Quantiles, binding shares and anchor checks from raw draws."""
    lv = np.asarray(levels)
    fans = []
    years = draws.years
    shares = {c: np.zeros(len(years)) for c in CONSTRAINTS}
    for k, c in enumerate(draws.binding_set):
        shares[c] = (draws.binding_index == k).mean(axis=0)
    for c in CONSTRAINTS:
        q = 10.0 ** _quantiles(draws.log10[c], lv)
        fans.append(ConstraintFan(c, tuple(tuple(float(x) for x in row) for row in q),
                                  tuple(float(s) for s in shares[c]), c in draws.binding_set))
    feas = 10.0 ** _quantiles(draws.feasible_log10, lv)
    binding = tuple(draws.binding_set[int(np.argmax([shares[c][i] for c in draws.binding_set]))]
                    for i in range(len(years)))
    above: tuple[float, ...] = ()
    if trend is not None and trend.mean_log10:
        from scipy.special import ndtr

        mean, sd = np.asarray(trend.mean_log10), np.asarray(trend.sd_log10)
        # P(trend > feasible) = E over feasible draws of P(N(mean, sd) > draw)
        above = tuple(float(p) for p in ndtr((mean[None, :] - draws.feasible_log10) / sd[None, :]).mean(axis=0))
    out = Outlook(preset, years, tuple(float(x) for x in levels), tuple(fans),
                  tuple(tuple(float(x) for x in row) for row in feas), binding, trend, int(draws.feasible_log10.shape[0]),
                  p_trend_above_feasible=above)
    if preset.anchors and 2030 in years and 0.5 in out.levels:
        checks = []
        for a in preset.anchors:
            m = out.median(a.constraint, 2030)
            ratio = m / a.median_flop
            checks.append(AnchorCheck(a.constraint, m, a.median_flop, ratio,
                                      1 / ANCHOR_FACTOR <= ratio <= ANCHOR_FACTOR, a.source))
        out = dataclasses.replace(out, anchor_checks=tuple(checks))
    return out


def feasible_runs(preset: Preset, years: Sequence[int] = DEFAULT_YEARS, *, rng: np.random.Generator,
                  n_draws: int = DEFAULT_DRAWS, with_trend: bool = True, trend_until: float | None = None,
                  ) -> Outlook:
    """The outlook for ``years`` under ``preset``: every constraint, the minimum, the trend beside it.

    Args:
        preset: inputs (see :func:`build_preset`).
        years: outlook years.
        rng: the random stream (explicit; no global seed).
        n_draws: Monte Carlo draws (all inputs drawn together).
        with_trend: also extrapolate the frontier-compute trend.
        trend_until: fit the trend on models published before this decimal year (hindcasts).

    Raises:
        InputError: bad years or draws, or inputs the model lacks.
    """
    ys = check_years(years)
    draws = simulate(preset.input_map(), preset.correlations, ys, preset.binding, rng=rng, n_draws=n_draws)
    trend = frontier_trend(ys, LEVELS, until=trend_until) if with_trend else None
    return summarise(draws, preset, trend)

