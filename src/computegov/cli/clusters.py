"""``computegov clusters``: AI supercomputers — trends of the leading systems, compute stocks, export exposure."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import (
    DEFAULT_SEED,
    JSON_OPTION,
    console,
    csv_option,
    err_console,
    guarded,
    int_option,
    print_json,
    print_table,
    seed_option,
    table_with,
)
from computegov.errors import InputError

__all__ = ["register"]

clusters_app = typer.Typer(
    help="AI supercomputers (Epoch AI 'GPU Clusters'): leading-system trends, compute stocks by "
    "country/owner/sector, export-control exposure, cluster thresholds.",
    no_args_is_help=True,
)

#: Pilz et al. (2025) report shares "in early 2025"; their data run to March 2025.
DEFAULT_DATE = "2025-03-01"  # = computegov.clusters.summary.DEFAULT_DATE

DATA = typer.Option(None, "--data", help="A newer Epoch 'GPU Clusters' CSV (default: the bundled snapshot).")
SET = typer.Option(
    "standard", "--set",
    help="standard: Epoch's standard-analysis systems (existing, confirmed/likely, single cluster, no "
    "duplicates), as in Pilz et al. 2025; all: every row.",
)
CERTAINTY = typer.Option(None, "--certainty", help="Keep these certainties, comma-separated: confirmed,likely,unlikely.")
SINGLE = typer.Option(False, "--single-cluster", help="Keep only systems Epoch marks as a single cluster.")
NO_DUP = typer.Option(False, "--no-duplicates", help="Drop rows flagged as possible duplicates.")
COUNTRY = typer.Option(None, "--country", help="Keep these countries (names or ISO codes), comma-separated.")
DATE = typer.Option(DEFAULT_DATE, "--date", help="Stock date, YYYY-MM-DD.")
ADD = typer.Option(
    None, "--add",
    help="Add a hypothetical system: 'NAME,COUNTRY,CHIP,COUNT[,YYYY-MM-DD]' (repeatable).",
)


def _date(text: str, field: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field}: expected a date YYYY-MM-DD, got {text!r}") from None


def _csv(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _parse_add(spec: str) -> Any:
    from computegov.clusters.hypothetical import hypothetical_system

    parts = [p.strip() for p in spec.split(",")]
    if len(parts) not in (4, 5):
        raise InputError(f"add: expected 'NAME,COUNTRY,CHIP,COUNT[,YYYY-MM-DD]', got {spec!r}")
    try:
        count = float(parts[3])
    except ValueError:
        raise InputError(f"chip_count: expected a number of chips, got {parts[3]!r}") from None
    when = _date(parts[4], "add date") if len(parts) == 5 else dt.date.today()
    return hypothetical_system(parts[0], parts[1], parts[2], count, when)


def _load(data: Path | None) -> Any:
    """The table, with a one-line warning on stderr when some values could not be read."""
    from computegov.clusters import load_clusters

    table = load_clusters(data)
    if table.warnings:
        err_console.print(
            f"[yellow]warning:[/yellow] {len(table.warnings)} unreadable values in {table.source} were set to "
            "empty (rows kept); list them with: computegov clusters table --data FILE"
        )
    return table


def _systems(
    data: Path | None, set_: str, certainty: str | None, single: bool, no_dup: bool,
    country: str | None, add: list[str] | None = None,
) -> tuple[Any, Any, tuple[Any, ...]]:
    """(table, filtered systems, filter steps)."""
    from computegov.clusters import filter_systems

    if set_ not in ("standard", "all"):
        raise InputError(f"set: expected 'standard' or 'all', got {set_!r}")
    table = _load(data)
    systems, steps = filter_systems(
        table, certainty=_csv(certainty), single_cluster=single, exclude_duplicates=no_dup,
        standard=set_ == "standard", countries=_csv(country),
    )
    extra = tuple(_parse_add(spec) for spec in add or ())
    return table, (*systems, *extra), steps


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


@clusters_app.command("summary")
@guarded
@csv_option("country_stocks.rows")
def summary_cmd(
    date: str = DATE, data: Path | None = DATA, set_: str = SET, seed: int = seed_option(),
    as_json: bool = JSON_OPTION,
) -> None:
    """Headline figures: leading-system doubling times (with CIs) and country shares of performance."""
    from computegov.clusters import CLUSTERS_ATTRIBUTION
    from computegov.clusters.summary import headline

    day = _date(date)
    out = headline(_load(data).systems, date=day, set_=set_, seed=seed)
    if as_json:
        print_json(out)
        return
    t = table_with(f"Leading AI supercomputers (top-10 at first operation, 2019 to {day})",
                   ("metric", "n", "doubling (months)", "95% CI", "Pilz et al."), right={"n", "doubling (months)"})
    for label, key, pub in (("16-bit FLOP/s", "leading_performance", "~9"), ("power", "leading_power", "~12"),
                            ("hardware cost", "leading_hardware_cost", "~12")):
        tr = out[key]
        lo, hi = tr["doubling_time_ci_months"]
        t.add_row(label, str(tr["n"]), f"{tr['doubling_time_months']:.1f}", f"{lo:.1f}-{hi:.1f}", pub)
    print_table(t)
    s = table_with(f"Share of 16-bit FLOP/s (not H100-equivalents) on {day}", ("country", "share", "systems"),
                   right={"share", "systems"})
    for row in out["country_stocks"]["rows"][:8]:
        s.add_row(row["group"], f"{row['share']:.1%}", str(row["n_systems"]))
    print_table(s)
    console.print(f"[dim]{out['share_population']}; `clusters stocks --metric h100e` gives shares of "
                  "H100-equivalents, a different total[/dim]")
    console.print(f"[dim]{CLUSTERS_ATTRIBUTION}[/dim]")


@clusters_app.command("trend")
@guarded
@csv_option()
def trend_cmd(
    metric: str = typer.Option("flop_per_s_16bit", "--metric", help="flop_per_s_16bit, h100e, power_w, hardware_cost_usd, chip_count."),
    selection: str = typer.Option("top-k", "--selection", help="top-k (at first operation), record, top-k-per-year."),
    k: int = typer.Option(10, "--k", help="k of the top-k selections."),
    since: str = typer.Option("2019-01-01", "--since", help="First date fitted."),
    until: str | None = typer.Option(None, "--until", help="Last date fitted."),
    data: Path | None = DATA, set_: str = SET, certainty: str | None = CERTAINTY, single: bool = SINGLE,
    no_dup: bool = NO_DUP, seed: int = seed_option(), as_json: bool = JSON_OPTION,
) -> None:
    """Doubling time of a metric over the leading systems, with a bootstrap CI (trends module's fit)."""
    from computegov.clusters import fit_leading

    _, systems, steps = _systems(data, set_, certainty, single, no_dup, None)
    tr = fit_leading(systems, metric, selection=selection, k=k, since=_date(since, "since"),
                     until=_date(until, "until") if until else None, seed=seed)
    if as_json:
        print_json({**tr.to_dict(), "filters": [s.to_dict() for s in steps]})
        return
    lo, hi = tr.doubling_time_ci_months
    console.print(f"{metric} over {tr.fit.n} leading systems ({selection}): doubling every "
                  f"{tr.doubling_time_months:.1f} months (95% CI {lo:.1f}-{hi:.1f}); "
                  f"x{tr.fit.growth_per_year:.2f}/yr")


@clusters_app.command("stocks")
@guarded
@csv_option("stocks")
def stocks_cmd(
    by: str = typer.Option("country", "--by", help="country, owner or sector."),
    metric: str = typer.Option("h100e", "--metric", help="h100e, flop_per_s_16bit, power_w, hardware_cost_usd, chip_count."),
    date: str = DATE,
    dates: str | None = typer.Option(None, "--dates", help="Several dates, comma-separated (a time series)."),
    top: int = int_option(10, "--top", help="Rows shown in the table.", low=1, high=10_000),
    data: Path | None = DATA, set_: str = SET, certainty: str | None = CERTAINTY, single: bool = SINGLE,
    no_dup: bool = NO_DUP, country: str | None = COUNTRY, add: list[str] | None = ADD, as_json: bool = JSON_OPTION,
    explain: bool = typer.Option(False, "--explain", help="Name the systems left out of each stock, by reason "
                                                           "(up to ten a reason; --json has the same)."),
) -> None:
    """Aggregate compute of the systems operational on a date, by country, owner or sector, with shares.

    Under each table: how many systems were left out and why (no start date, not yet operational,
    decommissioned, lacking the metric), with their names when few or with ``--explain``.
    """
    from computegov.clusters import CLUSTERS_ATTRIBUTION, stocks_over_time
    from computegov.clusters.summary import METRIC_WORDS, share_population

    _, systems, steps = _systems(data, set_, certainty, single, no_dup, country, add)
    days = [_date(d) for d in _csv(dates) or ()] if dates else [_date(date)]
    tables = stocks_over_time(systems, days, by=by, metric=metric)
    if as_json:
        print_json({"filters": [s.to_dict() for s in steps], "stocks": [t.to_dict() for t in tables],
                    "attribution": CLUSTERS_ATTRIBUTION})
        return
    for st in tables:
        t = table_with(f"{metric} ({st.unit}) by {by} on {st.date}: total {st.total:.4g}",
                       (by, "stock", f"share of {METRIC_WORDS.get(metric, metric)}", "systems"),
                       right={"stock", f"share of {METRIC_WORDS.get(metric, metric)}", "systems"})
        for row in st.rows[:top]:
            t.add_row(row.group, f"{row.value:.4g}", f"{row.share:.1%}", str(row.n_systems))
        print_table(t)
        console.print(f"[dim]{share_population(st.to_dict(), set_)}[/dim]")
        for line in _dropped_lines(st, explain):
            console.print(line, style="dim", markup=False, highlight=False)
    for s in steps:
        console.print(f"[dim]filter {s.name} ({s.description}): removed {s.removed} systems, {s.removed_h100e:.4g} H100e[/dim]")
    console.print(f"[dim]{CLUSTERS_ATTRIBUTION}[/dim]")


@clusters_app.command("exposure")
@guarded
@csv_option("countries")
def exposure_cmd(
    date: str = DATE,
    metric: str = typer.Option("h100e", "--metric", help="Weight of each system: h100e, flop_per_s_16bit, ..."),
    whatif_tpp: float | None = typer.Option(None, "--whatif-tpp", help="Hypothetical control: TPP threshold."),
    whatif_pd: float | None = typer.Option(None, "--whatif-pd", help="Hypothetical control: performance-density threshold (with --whatif-tpp)."),
    top: int = int_option(12, "--top", help="Countries shown in the table.", low=1, high=10_000),
    data: Path | None = DATA, set_: str = SET, certainty: str | None = CERTAINTY, single: bool = SINGLE,
    no_dup: bool = NO_DUP, country: str | None = COUNTRY, as_json: bool = JSON_OPTION,
) -> None:
    """Share of each country's compute on chips controlled (3A090.a/.b) then and today, and under a what-if."""
    from computegov.clusters import CLUSTERS_ATTRIBUTION, WhatIfThreshold, exposure

    if whatif_pd is not None and whatif_tpp is None:
        raise InputError("whatif_pd: give --whatif-tpp too")
    _, systems, steps = _systems(data, set_, certainty, single, no_dup, country)
    wi = WhatIfThreshold(whatif_tpp, whatif_pd) if whatif_tpp is not None else None
    ex = exposure(systems, _date(date), metric=metric, whatif=wi)
    if as_json:
        print_json({**ex.to_dict(), "filters": [s.to_dict() for s in steps], "attribution": CLUSTERS_ATTRIBUTION})
        return
    cols = ["country", "systems", "controlled today", "controlled at first op.", "unknown chip"]
    if wi:
        cols.append("controlled (what-if)")
    t = table_with(f"Export-control exposure on {ex.date} (today's rule {ex.rule_today}, weighted by {metric})",
                   tuple(cols), right=set(cols) - {"country"})
    for c in ex.countries[:top]:
        row = [c.country, str(c.n_systems), f"{c.today.get('controlled', 0):.1%}",
               f"{c.at_first_operation.get('controlled', 0):.1%}", f"{c.today.get('unknown_chip', 0):.1%}"]
        if wi and c.whatif is not None:
            row.append(f"{c.whatif.get('controlled', 0):.1%}")
        t.add_row(*row)
    print_table(t)
    console.print("[dim]controlled = ECCN 3A090.a/.b (licence needed for the destinations the rule covers); "
                  f"destination rules not evaluated. {CLUSTERS_ATTRIBUTION}[/dim]")


@clusters_app.command("thresholds")
@guarded
@csv_option("crossings")
def thresholds_cmd(
    h100e: float = typer.Option(1e6, "--h100e", help="Size to forecast, H100-equivalents."),
    power_gw: float = typer.Option(1.0, "--power-gw", help="Size to forecast, GW of power capacity."),
    method: str | None = typer.Option(
        None, "--method",
        help="Forecast method of the record (see `trends backtest`), e.g. random_walk_drift+cal; default: the "
        "calibrated method with the best 90% interval score in the backtest."),
    data: Path | None = DATA, set_: str = SET, seed: int = seed_option(DEFAULT_SEED), as_json: bool = JSON_OPTION,
) -> None:
    """Systems over EO 14110's 1e20 op/s cluster threshold (history), and when the first 1e6-H100e / 1 GW system is expected."""
    from computegov.clusters import EO14110_CLUSTER, crossings
    from computegov.clusters.reaching import (
        first_reaching,
        hindcast_first_reaching,
        leading_forecast,
    )
    from computegov.trends.methods import check_methods

    for name, size in (("h100e", h100e), ("power_gw", power_gw)):
        if not (size > 0 and math.isfinite(size * 1e9)):
            raise InputError(f"{name}: expected a positive size, got {size}")
    if method is not None:
        check_methods([method])
    table, systems, _ = _systems(data, set_, None, False, False, None)
    planned = [s for s in table if s.status == "planned"]
    cross = crossings((*systems, *planned), include_planned=True)
    fans = {m: leading_forecast(systems, m, seed=seed, method=method) for m in ("h100e", "power_w")}
    sizes = [first_reaching(systems, "h100e", h100e, seed=seed, planned_systems=planned, fan=fans["h100e"]),
             first_reaching(systems, "power_w", power_gw * 1e9, seed=seed, planned_systems=planned,
                            fan=fans["power_w"])]
    checks = [hindcast_first_reaching(systems, m, seed=seed, method=method) for m in ("h100e", "power_w")]
    if as_json:
        print_json({"threshold": EO14110_CLUSTER.to_dict(), "crossings": [c.to_dict() for c in cross],
                    "first_reaching": [s.to_dict() for s in sizes], "hindcast": [h.to_dict() for h in checks],
                    "record_forecasts": {m: f.to_dict() for m, f in fans.items()}})
        return
    live = [c for c in cross if c.operational_while_in_force]
    console.print(f"{EO14110_CLUSTER.legal_reference}: 1e20 op/s, in force {EO14110_CLUSTER.in_force_from} to "
                  f"{EO14110_CLUSTER.in_force_until} (revoked by EO 14148). {len(live)} systems over it while in force; "
                  f"{len(cross)} existing or planned over it in all.")
    for s in sizes:
        console.print(_reaching_line(s))
    for h in checks:
        console.print(f"[yellow]hindcast ({h.metric}): the {h.confidence:.0%} interval of the crossing date held in "
                      f"{h.held} of {len(h.cases)} past cases ({h.open_ended} of them open-ended; {h.skipped} "
                      "skipped)[/yellow]")
    console.print("[dim]Calibrated record forecast (trends machinery: method chosen by 90 % interval score in a "
                  "rolling-origin backtest, split-conformal calibration on its own earlier hindcasts).[/dim]")


#: A reason with at most this many systems left out names them without ``--explain``.
_FEW_DROPPED = 3


def _names(dropped: Any) -> str:
    """``A (x4), B, C, and 9 more``: the names a reason left out, repeats counted."""
    from collections import Counter

    seen = Counter(dropped.names)
    text = ", ".join(name if n == 1 else f"{name} (x{n})" for name, n in seen.items())
    more = dropped.count - len(dropped.names)
    return text + (f", and {more} more" if more > 0 else "")


def _dropped_lines(st: Any, explain: bool) -> list[str]:
    """One line per reason the stock left systems out: how many, their H100e, names when few or asked."""
    from computegov.clusters.stocks import DROP_REASONS

    lines = []
    for d in st.dropped:
        if d.reason == DROP_REASONS[4]:  # the line this command printed before the others were listed
            line = f"{d.count} operational systems lack {st.metric} and are not counted"
        else:
            line = f"{d.count} systems not counted, {d.reason} ({d.h100e:,.0f} H100e)"
        if d.names and (explain or d.count <= _FEW_DROPPED):
            line += f": {_names(d)}"
        lines.append(line)
    if lines and not explain and any(d.count > _FEW_DROPPED for d in st.dropped):
        lines.append("(--explain names them)")
    return lines


def _reaching_line(s: Any) -> str:
    unit = "H100e" if s.metric == "h100e" else "W"
    if s.reached_by:
        return f"{s.target:.3g} {unit}: reached by {s.reached_by} on {s.reached_on}"
    lo, hi = s.interval or (None, None)
    last = s.by_year[-1][0] if s.by_year else None
    span = f"{_year(lo, last)} to {_year(hi, last)}"
    median = f"{s.expected_year:.1f}" if s.expected_year is not None else f"after {last} (under 50 % by then)"
    p2030 = s.p_reached_by(2030)
    return (f"{s.target:.3g} {unit}: median {median}; {s.confidence:.0%} interval {span}; "
            f"P(by end of 2030) = {'-' if p2030 is None else f'{p2030:.0%}'} ({s.forecast_method}; its record bands "
            f"held {_pct(s.method_hindcast_coverage_90)} in {s.method_hindcast_n} backtests; planned: "
            f"{', '.join(s.planned[:3]) or 'none'})")


def _year(value: float | None, last: int | None) -> str:
    return f"{value:.1f}" if value is not None else f"after {last}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@clusters_app.command("table")
@guarded
@csv_option()
def table_cmd(data: Path | None = DATA, as_json: bool = JSON_OPTION) -> None:
    """The dataset: rows, warnings raised while reading it, and chip types the catalogue does not know."""
    from collections import Counter

    from computegov.clusters import CLUSTERS_ATTRIBUTION, load_clusters

    table = load_clusters(data)
    status = Counter(s.status for s in table)
    out = {"source": table.source, "rows": len(table), "status": dict(status),
           "matched_chips": sum(1 for s in table if s.chip), "unmatched_chips": table.unmatched_chips,
           "without_chip_type": sum(1 for s in table if not s.chip_type),
           "warnings": [w.to_dict() for w in table.warnings], "attribution": CLUSTERS_ATTRIBUTION}
    if as_json:
        print_json(out)
        return
    console.print(f"{out['rows']} systems ({dict(status)}); chip mapped for {out['matched_chips']}, "
                  f"no chip type for {out['without_chip_type']}")
    console.print(f"unmatched chip types: {out['unmatched_chips'] or 'none'}")
    for w in table.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"[dim]{CLUSTERS_ATTRIBUTION}[/dim]")


def register(app: typer.Typer) -> None:
    """Add the ``clusters`` group to the root app."""
    app.add_typer(clusters_app, name="clusters")
