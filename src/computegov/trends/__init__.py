"""Trends in AI hardware: fits with honest uncertainty, forecasts with physical limits, backtests.

- :mod:`~computegov.trends.metrics`: what can be trended (:class:`Metric`, :func:`get_metric`);
- :mod:`~computegov.trends.chipsets`: which chips (``all``, ``ml``, ``datacenter``, ``frontier``);
- :mod:`~computegov.trends.fit`: :class:`TrendFit` (OLS + bootstrap, Theil-Sen);
- :mod:`~computegov.trends.breaks`: has a trend slowed? (hinge fit, F-test);
- :mod:`~computegov.trends.forecast`: :class:`Forecast` under scenarios, capped by physical limits;
- :mod:`~computegov.trends.methods`: forecasting methods for the record (incl. random walk with drift);
- :mod:`~computegov.trends.calibration`: out-of-sample calibration of any method;
- :mod:`~computegov.trends.backtest`: rolling-origin scores of forecasting methods;
- :mod:`~computegov.trends.record`: record forecasts by any method, P(exceed), P(overtake);
- :mod:`~computegov.trends.index`: a composite hardware progress index.
"""

from __future__ import annotations

from computegov.trends.backtest import METHODS, Backtest, MethodSummary, backtest, backtest_points
from computegov.trends.breaks import BreakTest, fit_break
from computegov.trends.chipsets import CHIP_SETS, MetricPoints, metric_points, select_chips
from computegov.trends.fit import TrendFit, fit_log_linear, fit_trend
from computegov.trends.forecast import (
    QUANTILE_LEVELS,
    Forecast,
    PhysicalLimit,
    Scenario,
    forecast,
    load_limits,
    load_scenarios,
    scenarios_for,
    user_ceiling,
)
from computegov.trends.index import DEFAULT_COMPONENTS, ProgressIndex, progress_index
from computegov.trends.metrics import METRICS, Metric, MetricUnavailableError, get_metric
from computegov.trends.record import (
    Probability,
    RecordForecast,
    prob_exceeds,
    prob_overtakes,
    record_forecast,
)
from computegov.trends.rwd import RandomWalkFit, fit_random_walk

__all__ = [
    "CHIP_SETS",
    "DEFAULT_COMPONENTS",
    "METHODS",
    "METRICS",
    "QUANTILE_LEVELS",
    "Backtest",
    "BreakTest",
    "Forecast",
    "MethodSummary",
    "Metric",
    "MetricPoints",
    "MetricUnavailableError",
    "PhysicalLimit",
    "Probability",
    "ProgressIndex",
    "RandomWalkFit",
    "RecordForecast",
    "Scenario",
    "TrendFit",
    "backtest",
    "backtest_points",
    "fit_break",
    "fit_log_linear",
    "fit_random_walk",
    "fit_trend",
    "forecast",
    "get_metric",
    "load_limits",
    "load_scenarios",
    "metric_points",
    "prob_exceeds",
    "prob_overtakes",
    "progress_index",
    "record_forecast",
    "scenarios_for",
    "select_chips",
    "user_ceiling",
]
