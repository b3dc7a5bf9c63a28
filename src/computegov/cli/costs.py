"""``computegov costs``: total cost of ownership, rental prices and the assumptions behind them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    console,
    csv_option,
    float_option,
    guarded,
    int_option,
    load_catalog_for_cli,
    print_json,
    print_table,
    shared_options,
    utilisation_option,
)
from computegov.costs.model import MAX_CHIP_PRICE_USD, MAX_RENT_USD_PER_CHIP_HOUR, MAX_TDP_W
from computegov.costs.money import format_usd
from computegov.units import J_PER_KWH, J_PER_MWH

__all__ = ["register"]

app = typer.Typer(
    help="Total cost of ownership (buy or rent), rental prices and the cost assumptions.",
    no_args_is_help=True,
)

RENT_OPTION = typer.Option(
    False, "--rent/--buy", help="Rent at public prices, or buy the chips (default)."
)
PRICE_OPTION = float_option(
    None,
    "--price-usd",
    help="Price of the chip alone (USD of the TCO dollar year); the server, network and storage "
    "shares are added. Catalogue prices mean the same (a whole-server price per chip is first "
    "divided by 1 + server_fraction); see --price-includes-server.",
    low=0,
    low_open=True,
    high=MAX_CHIP_PRICE_USD,
)
TDP_OPTION = float_option(
    None, "--tdp-w", help="TDP to use, W (watts).", low=0, low_open=True, high=MAX_TDP_W
)
RENT_PRICE_OPTION = float_option(
    None,
    "--rent-usd-per-hour",
    help="Rental price to use, USD per chip-hour (implies --rent).",
    low=0,
    low_open=True,
    high=MAX_RENT_USD_PER_CHIP_HOUR,
)
UTIL_OPTION = utilisation_option("for per-FLOP figures.")
INCLUDES_SERVER_OPTION = typer.Option(
    False,
    "--price-includes-server",
    help="--price-usd is a whole-server price per chip (e.g. a DGX price / 8): divide it by "
    "1 + server_fraction first, as for such catalogue prices.",
)
ASSUMPTIONS_FILE_OPTION = typer.Option(
    None,
    "--assumptions",
    help="YAML/JSON file setting any cost assumption: name: number or [low, central, high] "
    "(names: `computegov costs assumptions`).",
)
SET_OPTION = typer.Option(
    None,
    "--set",
    help="Set one cost assumption, NAME=VALUE or NAME=low,central,high (repeatable), e.g. "
    "--set pue=1.1 --set lifetime_years=5.",
)


def build_model(
    rent: bool = False,
    price_usd: float | None = None,
    tdp_w: float | None = None,
    rent_usd_per_hour: float | None = None,
    utilisation: float | None = None,
    *,
    price_includes_server: bool = False,
    assumptions: Path | None = None,
    settings: list[str] | None = None,
) -> Any:
    """A CostModel from the common options (shared with ``computegov plan``).

    The file's values apply first, then ``--set``, then the dedicated options.
    """
    from computegov.costs import CostModel
    from computegov.costs.overrides import apply_overrides, load_overrides, parse_settings

    kwargs: dict[str, Any] = {"mode": "rent" if (rent or rent_usd_per_hour) else "buy"}
    if price_usd is not None:
        kwargs["chip_price_usd"] = price_usd
    if tdp_w is not None:
        kwargs["tdp_w"] = tdp_w
    if rent_usd_per_hour is not None:
        kwargs["rent_usd_per_chip_hour"] = rent_usd_per_hour
    if utilisation is not None:
        kwargs["utilisation"] = utilisation
    if price_includes_server:
        if price_usd is None:
            from computegov.errors import InputError

            raise InputError("--price-includes-server describes --price-usd: give --price-usd too")
        kwargs["price_includes_server"] = True
    model = CostModel(mode=kwargs.pop("mode"))
    if assumptions is not None:
        model = apply_overrides(model, load_overrides(assumptions), where=str(assumptions))
    if settings:
        model = apply_overrides(model, parse_settings(settings), where="--set")
    return model.replace(**kwargs)


@dataclasses.dataclass(frozen=True)
class ModelOptions:
    """The cost-model options shared by ``tco`` and ``compute``."""

    rent: bool = RENT_OPTION
    price_usd: float | None = PRICE_OPTION
    tdp_w: float | None = TDP_OPTION
    rent_usd_per_hour: float | None = RENT_PRICE_OPTION
    utilisation: float | None = UTIL_OPTION
    price_includes_server: bool = INCLUDES_SERVER_OPTION
    assumptions: Path | None = ASSUMPTIONS_FILE_OPTION
    settings: list[str] | None = SET_OPTION

    def model(self) -> Any:
        """The CostModel these options describe."""
        return build_model(
            self.rent,
            self.price_usd,
            self.tdp_w,
            self.rent_usd_per_hour,
            self.utilisation,
            price_includes_server=self.price_includes_server,
            assumptions=self.assumptions,
            settings=self.settings,
        )


model_options = shared_options("options", ModelOptions)


def _triple(values: Any, fmt: Any = format_usd) -> str:
    return f"{fmt(values.central)}  ({fmt(values.low)} - {fmt(values.high)})"


@app.command("tco")
@guarded
@csv_option("summary")
@model_options
def tco(
    chip: str = typer.Argument(..., help="Chip name, e.g. 'H100'."),
    *,
    options: ModelOptions,
    as_json: bool = JSON_OPTION,
    catalog: Path | None = CATALOG_OPTION,
) -> None:
    """Total cost of ownership of one chip: per chip-hour, per FLOP, over its lifetime."""
    from rich.table import Table

    from computegov.costs import tco_summary

    cat = load_catalog_for_cli(catalog)
    the_chip = cat.get(chip)
    model = options.model()
    summary = tco_summary(the_chip, model)
    beside = _cottier_beside(the_chip, model, summary.chip_hour)
    if as_json:
        print_json({"summary": summary, "model": model, "cottier2024": beside})
        return
    year = summary.dollar_year
    hour = summary.chip_hour
    table = Table(title=f"{summary.chip_name}: cost of {model.mode}ing, USD {year}")
    table.add_column("item")
    table.add_column("central (low - high)")
    if hour.price_usd is not None:
        table.add_row("chip price (chip alone)", format_usd(hour.price_usd))
    for name, value in hour.components_usd.items():
        table.add_row(f"{name} per chip-hour", _triple(value))
    table.add_row("[bold]total per chip-hour[/bold]", _triple(hour.total_usd))
    if summary.lifetime_cost_usd is not None:
        table.add_row(
            f"lifetime cost ({model.lifetime_years.central:g} years)",
            _triple(summary.lifetime_cost_usd),
        )
    table.add_row(
        f"useful FLOP per USD (MFU {model.utilisation.central:g}, {summary.precision})",
        _triple(summary.tco_flop_per_usd, lambda v: f"{v:.3g}"),
    )
    if summary.sticker_flop_per_usd is not None:
        table.add_row("same, counting only the chip price", f"{summary.sticker_flop_per_usd:.3g}")
    if summary.tco_flop_per_j is not None:
        table.add_row(
            "useful FLOP per facility joule", _triple(summary.tco_flop_per_j, lambda v: f"{v:.3g}")
        )
    if hour.energy_j is not None:
        table.add_row(
            "facility energy per chip-hour (kWh)",
            _triple(hour.energy_j, lambda v: f"{v / J_PER_KWH:.3f}"),
        )
    print_table(table)
    if beside is not None:
        console.print(
            f"beside it, Cottier et al. (2024) amortisation (`computegov costs cottier`): "
            f"{format_usd(beside['total_usd_per_chip_hour'])} per chip-hour, USD {year}",
            highlight=False,
        )
    console.print(f"price: {hour.price_source}", highlight=False, soft_wrap=True)
    console.print(
        "low/high put every assumption at its cheapest/dearest end; staff, software and failed runs "
        "are not included. See `computegov costs assumptions` for the sources.",
        style="dim",
    )


def _cottier_beside(chip: Any, model: Any, hour: Any) -> dict[str, Any] | None:
    """The same chip-hour by the Cottier et al. (2024) preset (2023 prices, in the model's USD)."""
    from computegov.costs.cottier import cottier_beside
    from computegov.errors import ComputegovError

    if model.mode != "buy" or hour.price_usd is None:
        return None
    try:
        return cottier_beside(chip.name, hour.price_usd, model.chip_tdp_w(chip), model.dollar_year)
    except ComputegovError:
        return None


@app.command("table")
@guarded
@csv_option("chips")
def table_command(
    rent: bool = RENT_OPTION,
    as_json: bool = JSON_OPTION,
    catalog: Path | None = CATALOG_OPTION,
) -> None:
    """TCO price-performance of every chip that has the data, by release date."""
    from rich.table import Table

    from computegov.costs import tco_table

    cat = load_catalog_for_cli(catalog)
    model = build_model(rent)
    rows = tco_table(cat, model)
    if as_json:
        print_json({"chips": rows, "model": model})
        return
    table = Table(title=f"TCO price-performance ({model.mode}), USD {model.dollar_year}")
    for column in (
        "chip",
        "year",
        "USD/chip-hour",
        "FLOP/USD (TCO)",
        "FLOP/USD (chip only)",
        "TCO/chip",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.chip_name,
            f"{row.release_year:.1f}" if row.release_year else "-",
            f"{row.chip_hour.total_usd.central:.3f}",
            f"{row.tco_flop_per_usd.central:.3g}",
            f"{row.sticker_flop_per_usd:.3g}" if row.sticker_flop_per_usd else "-",
            f"{row.tco_over_sticker:.2f}" if row.tco_over_sticker else "-",
        )
    print_table(table)
    console.print(f"{len(rows)} of {len(cat)} chips have the data.", style="dim")


@app.command("rental")
@guarded
@csv_option()
def rental(
    chip: str | None = typer.Argument(None, help="Only quotes for this chip."),
    as_json: bool = JSON_OPTION,
    catalog: Path | None = CATALOG_OPTION,
) -> None:
    """The bundled public rental quotes (list and market), with dates and sources."""
    from rich.table import Table

    from computegov.costs import rental_prices

    quotes = list(rental_prices())
    if chip is not None:
        the_chip = load_catalog_for_cli(catalog).get(chip)
        quotes = [q for q in quotes if q.matches(the_chip)]
    if as_json:
        print_json(quotes)
        return
    from rich import box

    table = Table(
        title="Public rental prices, nominal USD per chip-hour",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for column in ("chip", "kind", "USD/h", "date", "provider", "src"):
        table.add_column(
            column,
            overflow="fold",
            justify="right" if column in ("USD/h", "src") else "left",
            no_wrap=column in ("kind", "USD/h", "date", "src"),
        )
    sources: dict[str, int] = {}
    for q in quotes:
        number = sources.setdefault(q.source, len(sources) + 1)
        table.add_row(
            q.chip_label,
            q.kind,
            f"{q.usd_per_chip_hour:.2f}",
            q.quoted_on.isoformat(),
            q.provider,
            f"[{number}]",
        )
    print_table(table)
    for source, number in sources.items():
        console.print(f"[{number}] {source}", highlight=False, markup=False)


@app.command("assumptions")
@guarded
@csv_option("costs")
def assumptions(as_json: bool = JSON_OPTION) -> None:
    """Every default of the cost model and planner, with its range and source."""
    from rich.table import Table

    from computegov.costs import default_assumptions

    defaults = default_assumptions()
    if as_json:
        print_json(
            {
                "dollar_year": defaults.dollar_year,
                "costs": list(defaults.costs.values()),
                "planning": list(defaults.planning.values()),
                "mfu_by_generation": [
                    {"name": g.name, "until": g.until, **g.value.to_dict(), "source": g.source}
                    for g in defaults.mfu_by_generation
                ],
            }
        )
        return
    table = Table(title=f"Cost and planning assumptions (money in USD {defaults.dollar_year})")
    for column in ("name", "low", "central", "high", "unit", "source"):
        table.add_column(column, overflow="fold")
    for entry in [*defaults.costs.values(), *defaults.planning.values()]:
        flag = " [dim](assumption)[/dim]" if entry.assumption else ""
        table.add_row(
            entry.name + flag,
            f"{entry.value.low:g}",
            f"{entry.value.central:g}",
            f"{entry.value.high:g}",
            entry.unit,
            entry.source,
        )
    for g in defaults.mfu_by_generation:
        table.add_row(
            f"kernel MFU: {g.name}",
            f"{g.value.low:g}",
            f"{g.value.central:g}",
            f"{g.value.high:g}",
            "fraction of peak",
            g.source,
        )
    print_table(table)


@app.command("compute")
@guarded
@csv_option()
@model_options
def compute(
    flop: str = typer.Argument(..., help="Compute, FLOP (e.g. 1e26)."),
    chip: str = typer.Option(..., "--chip", help="Chip name from the catalogue, e.g. 'H100'."),
    *,
    options: ModelOptions,
    as_json: bool = JSON_OPTION,
    catalog: Path | None = CATALOG_OPTION,
) -> None:
    """What an amount of compute costs on one chip: chip-hours, USD, MWh."""
    from computegov.costs import compute_cost
    from computegov.units import parse_quantity

    value = parse_quantity(flop, what="compute")
    the_chip = load_catalog_for_cli(catalog).get(chip)
    model = options.model()
    result = compute_cost(value, the_chip, None, model)
    if as_json:
        print_json(result)
        return
    console.print(
        f"{value:.3g} FLOP on {result.chip_name} ({result.precision}, MFU {result.utilisation.central:g}, "
        f"{result.mode}):\n"
        f"  chip-hours  {result.chip_hours.central:,.4g}  ({result.chip_hours.low:,.4g} - {result.chip_hours.high:,.4g})\n"
        f"  cost        {_triple(result.cost_usd)}  USD {result.dollar_year}",
        highlight=False,
    )
    if result.energy_j is not None:
        console.print(
            f"  energy      {result.energy_j.central / J_PER_MWH:,.4g} MWh  "
            f"({result.energy_j.low / J_PER_MWH:,.4g} - {result.energy_j.high / J_PER_MWH:,.4g})",
            highlight=False,
        )


@app.command("cottier")
@guarded
@csv_option()
def cottier_command(
    chip: str = typer.Argument(..., help="Chip name, e.g. 'H100'."),
    price_usd: float | None = PRICE_OPTION,
    tdp_w: float | None = TDP_OPTION,
    year: int = int_option(2023, "--year", help="Year of the run (electricity price).", low=2015, high=2023),
    hyperscaler: bool = typer.Option(
        True, "--hyperscaler/--other-datacenter", help="PUE 1.1 (hyperscaler) or 1.25."
    ),
    chip_hours: float = float_option(
        1.0, "--chip-hours", help="Chip-hours of the run (1: per chip-hour).", low=0, low_open=True, high=1e12
    ),
    years_since_available: float = float_option(
        0.0,
        "--years-since-available",
        help="Years from hardware availability to training start (depreciated before use).",
        low=0,
        high=50,
    ),
    as_json: bool = JSON_OPTION,
    catalog: Path | None = CATALOG_OPTION,
) -> None:
    """Amortised cost by Cottier et al. (2024, arXiv:2405.21015): hardware, interconnect, energy.

    The chip price is the chip alone (as everywhere); their server overhead (1.64-1.69 x) and
    cluster interconnect (19 % of the cluster) are added, the hardware is used up at 0.14 orders
    of magnitude per year. Example: ``computegov costs cottier H100 --price-usd 30000 --year 2023``.
    """
    from computegov.costs import CostModel
    from computegov.costs.cottier import COTTIER_2024, cottier_run_cost

    the_chip = load_catalog_for_cli(catalog).get(chip)
    model = CostModel(dollar_year=year)
    if price_usd is None:
        price_usd, _ = model.chip_price(the_chip)
    tdp = tdp_w if tdp_w is not None else model.chip_tdp_w(the_chip)
    cost = cottier_run_cost(
        the_chip.name,
        price_usd,
        tdp,
        year,
        chip_hours,
        hyperscaler=hyperscaler,
        years_since_available=years_since_available,
    )
    if as_json:
        print_json({"chip": the_chip.name, "chip_price_usd": price_usd, "tdp_w": tdp, "cost": cost})
        return
    per = "per chip-hour" if chip_hours == 1.0 else f"over {chip_hours:,.0f} chip-hours"
    console.print(f"{the_chip.name}: amortised cost {per}, USD {year} (chip price {format_usd(price_usd)}, TDP {tdp:g} W)")
    for label, value in (
        ("hardware (chip + server)", cost.hardware_usd),
        ("cluster interconnect", cost.interconnect_usd),
        ("energy", cost.energy_usd),
        ("total", cost.total_usd),
    ):
        console.print(f"  {label:<26}{format_usd(value)}", highlight=False)
    console.print(f"method: {COTTIER_2024}", style="dim", highlight=False)


def register(root: typer.Typer) -> None:
    """Add the ``costs`` group to the root app."""
    root.add_typer(app, name="costs")


def cottier_for_options(options: Any, cat: Any, model: Any) -> dict[str, Any]:
    """Each bought option's cost by the Cottier et al. (2024) preset, at its central chip-hours."""
    from computegov.costs.cottier import cottier_beside
    from computegov.errors import ComputegovError

    out: dict[str, Any] = {}
    for o in options if model.mode == "buy" else ():
        chip = cat.get(o.chip_name)
        try:
            price = model.chip_hour_cost(chip).price_usd
            cost = cottier_beside(o.chip_name, price, model.chip_tdp_w(chip), model.dollar_year, o.chip_hours[1])
        except ComputegovError:
            cost = None
        if cost is not None:
            out[o.chip_name] = cost
    return out
