"""``computegov outlook``: the largest training run feasible each year, constraint by constraint.

``computegov outlook`` prints, for each year, every constraint's median and 90 % interval, the
feasible run (the minimum per draw), the binding constraint and the frontier-compute trend;
``outlook sensitivity`` the tornado; ``outlook hindcast`` the 2020 and 2022 hindcasts;
``outlook presets`` every input with its source. Each is thin over :mod:`computegov.outlook`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import (
    JSON_OPTION,
    console,
    csv_option,
    guarded,
    int_option,
    print_json,
    seed_option,
    table_with,
)
from computegov.cli.render import csv_active, print_table
from computegov.errors import InputError

__all__ = ["register"]

outlook_app = typer.Typer(
    help="The largest training run feasible each year: power, chips, data, latency, money; the binding one; "
         "the trend beside it.",
    invoke_without_command=True,
)

_PRESET = typer.Option(None, "--preset", help="toolkit (default: computegov's calibrated inputs) or epoch2024 "
                                              "(Sevilla et al. 2024's inputs).")
_SET = typer.Option(None, "--set", help="Override an input: NAME=VALUE (fixed) or NAME=LOW..HIGH (90 % interval); "
                                        "repeatable. `computegov outlook presets` lists the names.")
_FILE = typer.Option(None, "--assumptions", help="YAML file of inputs (and correlations, preset) to override.")
_DRAWS_HIGH = 2_000_000


def _years(year: list[int] | None, first: int | None, last: int | None) -> list[int]:
    from computegov.outlook import DEFAULT_YEARS

    if year:
        return sorted(set(year))
    lo = first if first is not None else DEFAULT_YEARS[0]
    hi = last if last is not None else max(DEFAULT_YEARS[-1], lo)
    if hi < lo:
        raise InputError(f"--to {hi} is before --from {lo}")
    return list(range(lo, hi + 1))


def _constraints(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _flop(x: float) -> str:
    """Compact FLOP: ``1.7e29``."""
    mantissa, _, exponent = f"{x:.1e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


@outlook_app.callback()
@guarded
@csv_option(rows="rows")
def outlook_cmd(
    ctx: typer.Context,
    year: list[int] | None = typer.Option(None, "--year", help="A year to show (repeatable; default 2026-2035)."),
    first: int | None = typer.Option(None, "--from", help="First year (default 2026)."),
    last: int | None = typer.Option(None, "--to", help="Last year (default 2035)."),
    preset: str | None = _PRESET,
    sets: list[str] | None = _SET,
    assumptions: Path | None = _FILE,
    binding: str | None = typer.Option(None, "--constraints", help="Comma-separated constraints the feasible run "
                                                                    "is the minimum of (default: the preset's)."),
    draws: int = int_option(100_000, "--draws", help="Monte Carlo draws.", low=100, high=_DRAWS_HIGH),
    seed: int = seed_option(),
    as_json: bool = JSON_OPTION,
) -> None:
    """The outlook: each constraint's limit by year, the binding one, the feasible run and the trend.

    ``--csv`` writes the JSON's ``rows``: one per (year, series), series being each constraint,
    ``feasible`` and ``trend``.
    """
    if ctx.invoked_subcommand is not None:
        return
    import numpy as np

    from computegov.outlook import build_preset, feasible_runs

    years = _years(year, first, last)
    p = build_preset(preset, years, sets=sets or (), assumptions=assumptions, binding=_constraints(binding))
    out = feasible_runs(p, years, rng=np.random.default_rng(seed), n_draws=draws)
    if as_json:
        print_json({**out.to_dict(), "rows": out.rows(), "seed": seed})
        return
    _render(out)


def _log(x: float) -> str:
    return f"{math.log10(x):.1f}"


def _render(out: Any) -> None:
    i05, i50, i95 = (out.levels.index(x) for x in (0.05, 0.5, 0.95))
    console.print(f"[bold]{out.preset.title}[/bold] - {out.n_draws:,} draws; minimum over "
                  f"{', '.join(out.preset.binding)}")
    cols = ["year", *(c.name for c in out.constraints), "feasible", "5-95%", "binding", "trend"]
    t = table_with("Largest training run feasible, log10 FLOP (medians)", cols, right=set(cols) - {"binding"})
    for i, y in enumerate(out.years):
        f = out.feasible_flop[i]
        t.add_row(str(y), *(_log(c.quantiles_flop[i][i50]) + ("" if c.in_minimum else "*") for c in out.constraints),
                  _log(f[i50]), f"{_log(f[i05])}-{_log(f[i95])}",
                  f"{out.binding[i]} {out.constraint(out.binding[i]).binding_share[i]:.0%}",
                  _log(out.trend.quantiles_flop[i][i50]) if out.trend else "-")
    print_table(t, optional=("trend", "5-95%"))
    if any(not c.in_minimum for c in out.constraints):
        console.print("* shown, not part of the minimum")
    if out.trend:
        console.print(f"trend: {out.trend.source}")
        meets = out.trend_meets_feasible_year
        console.print("trend median reaches the feasible median: " + (str(meets) if meets else "not by the last year")
                      + "; P(trend's run > feasible run): "
                      + ", ".join(f"{y} {p:.0%}" for y, p in zip(out.years, out.p_trend_above_feasible, strict=True)))
    for a in out.anchor_checks:
        console.print(f"2030 {a.constraint}: model {_flop(a.model_median_flop)} vs anchor {_flop(a.anchor_median_flop)}"
                      f" (x{a.ratio:.2f}, {'within' if a.within_factor else 'OUTSIDE'} a factor 3)")
    for note in out.preset.notes:
        console.print(f"note: {note}", style="dim")


@outlook_app.command("sensitivity")
@guarded
@csv_option(rows="rows")
def sensitivity_cmd(
    year: int = int_option(2030, "--year", help="Year whose feasible-run median is watched.", low=2000, high=2100),
    preset: str | None = _PRESET,
    sets: list[str] | None = _SET,
    assumptions: Path | None = _FILE,
    draws: int = int_option(20_000, "--draws", help="Draws per rerun (two reruns per input).", low=100,
                            high=1_000_000),
    seed: int = seed_option(),
    as_json: bool = JSON_OPTION,
) -> None:
    """Which input moves the answer most: each held at its 5th and 95th percentile (a tornado)."""
    import numpy as np

    from computegov.outlook import build_preset, sensitivity

    p = build_preset(preset, [year], sets=sets or (), assumptions=assumptions)
    s = sensitivity(p, year, rng=np.random.default_rng(seed), n_draws=draws)
    if as_json:
        print_json({**s.to_dict(), "preset": p.name, "seed": seed})
        return
    t = table_with(f"{year}: feasible run median {_flop(s.baseline_flop)} FLOP ({p.name})",
                   ("input", "5th pct", "95th pct", "run at 5th", "run at 95th", "swing (OOM)", "binding"),
                   right={"5th pct", "95th pct", "run at 5th", "run at 95th", "swing (OOM)"})
    for r in s.rows:
        t.add_row(r.input, f"{r.low_value:.3g}", f"{r.high_value:.3g}", _flop(r.feasible_at_low_flop),
                  _flop(r.feasible_at_high_flop), f"{r.swing_log10:.2f}",
                  r.binding_at_low if r.binding_at_low == r.binding_at_high else f"{r.binding_at_low}->{r.binding_at_high}")
    print_table(t, optional=("5th pct", "95th pct"))
    console.print(s.method, style="dim")


@outlook_app.command("hindcast")
@guarded
@csv_option(rows="cases")
def hindcast_cmd(
    origin: list[int] | None = typer.Option(None, "--origin", help="Forecast origin (repeatable; default 2020 "
                                                                    "and 2022)."),
    draws: int = int_option(20_000, "--draws", help="Monte Carlo draws per origin.", low=100, high=1_000_000),
    seed: int = seed_option(),
    as_json: bool = JSON_OPTION,
) -> None:
    """The toolkit outlook made from 2020 and 2022 data against the largest runs that then happened."""
    import numpy as np

    from computegov.outlook import HINDCAST_ORIGINS, hindcast

    h = hindcast(origin or HINDCAST_ORIGINS, rng=np.random.default_rng(seed), n_draws=draws)
    if as_json:
        print_json({**h.to_dict(), "seed": seed})
        return
    t = table_with("Hindcast: largest run vs the feasible run and the trend (FLOP)",
                   ("origin", "year", "largest run", "FLOP", "feasible 5-50-95%", "in 90%", "binding",
                    "trend 5-50-95%", "in 90%"), right={"FLOP"})
    for c in h.cases:
        t.add_row(str(c.origin), str(c.year), c.actual_model, _flop(c.actual_flop),
                  "-".join(_flop(x) for x in c.feasible_flop), "yes" if c.within_feasible_90 else "NO", c.binding,
                  "-".join(_flop(x) for x in c.trend_flop), "yes" if c.within_trend_90 else "NO")
    print_table(t, optional=("trend 5-50-95%",))
    console.print(f"feasible 90% interval held {h.coverage_feasible_90:.0%}; actual <= feasible 95th pct "
                  f"{h.share_below_feasible_95:.0%}; below the feasible median {h.share_below_feasible_median:.0%}; "
                  f"trend 90% interval held {h.coverage_trend_90:.0%}")
    console.print(h.note, style="dim")


@outlook_app.command("presets")
@guarded
@csv_option()
def presets_cmd(
    preset: str | None = typer.Option(None, "--preset", help="Only this preset (default: both)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every input of a preset: value, 90 % interval, year, growth and source (static values; toolkit fallbacks).

    ``--csv`` writes one row per input of each preset: the JSON's ``PRESET.inputs`` rows with
    the preset's name first (column ``preset``).
    """
    from computegov.outlook import PRESET_NAMES, load_preset

    names = [preset] if preset else list(PRESET_NAMES)
    presets = [load_preset(n) for n in names]
    if csv_active():  # the rows of every preset's inputs, one table
        print_json([{"preset": p.name, **row} for p in presets for row in p.to_dict()["inputs"]])
        return
    if as_json:
        print_json({p.name: p.to_dict() for p in presets})
        return
    for p in presets:
        derived = dict(p.derive)
        t = table_with(f"{p.name}: {p.title}", ("input", "value", "90% interval", "year", "source"), right={"value"})
        for i in p.inputs:
            span = "" if i.low is None else f"{i.low:.3g}..{i.high:.3g}"
            src = (f"[derived: {derived[i.name]}] " if i.name in derived else "") + \
                ("[estimate] " if i.estimate else "") + i.source
            t.add_row(i.name, f"{i.value:.3g}", span, "" if i.at_year is None else str(i.at_year), src)
        print_table(t)


def register(app: typer.Typer) -> None:
    """Add the ``outlook`` group to the root app."""
    app.add_typer(outlook_app, name="outlook")
