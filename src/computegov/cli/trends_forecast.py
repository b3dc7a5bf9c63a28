"""``trends forecast``'s table: one forecast chosen, its alternatives labelled beside it."""

from __future__ import annotations

from typing import Any

from computegov.cli.common import console, print_table, table_with

__all__ = ["print_forecast_table"]


def print_forecast_table(result: Any, record: Any, forecasts: list[Any]) -> None:
    """One table: the chosen forecast's 5/50/95 % by year, then each alternative's median, labelled.

    The chosen forecast is the record by the best calibrated method when there is one, else the
    first scenario; the 25/75 % quantiles and every alternative's full quantiles are in --json.
    """
    def cells(rows: list[dict[str, float]]) -> dict[int, dict[str, float]]:
        return {int(row["year"]): row for row in rows}

    if record is not None:
        chosen, chosen_label = cells(record.rows()), f"the record on 1 January by {record.method}"
        alternatives = list(forecasts)
    else:
        chosen, chosen_label = cells(forecasts[0].rows()), f"'{forecasts[0].scenario_title}'"
        alternatives = list(forecasts[1:])
    others = [(fc, cells(fc.rows())) for fc in alternatives]
    years = sorted(set(chosen).union(*(set(rows) for _, rows in others)))
    columns = ["year", "5%", "median", "95%", *(f"alt. {n}: {fc.scenario} median" for n, (fc, _) in
                                                 enumerate(others, start=1))]
    table = table_with(f"{result.metric} ({result.unit}) forecast; chosen: {chosen_label}", columns,
                       right=set(columns))

    def value(rows: dict[int, dict[str, float]], year: int, key: str) -> str:
        return f"{rows[year][key]:.3g}" if year in rows else "—"

    for year in years:
        table.add_row(str(year), value(chosen, year, "q05"), value(chosen, year, "q50"), value(chosen, year, "q95"),
                      *(value(rows, year, "q50") for _, rows in others))
    print_table(table)
    if record is not None:
        label = record.to_dict().get("method_label") or record.method
        console.print(f"chosen: {label}; {record.chosen_by}. {record.coverage_note}.", highlight=False)
        console.print(record.calibration_statement, highlight=False)
    else:
        console.print(f"chosen: {forecasts[0].scenario_title} ({forecasts[0].scenario_source})", highlight=False)
    for n, (fc, _) in enumerate(others, start=1):
        what = ("the fitted trend through every chip (a typical new chip, not the record)"
                if fc.scenario == "trend" else fc.scenario_title)
        console.print(f"alt. {n}, {fc.scenario}: {what}; {fc.scenario_source}", highlight=False)
        if fc.caps:
            console.print("  caps: " + ", ".join(f"{n} = {v:.3g}" for n, v in fc.caps), highlight=False)
    console.print("[dim]25 %/75 % quantiles and each alternative's full range: --json or --csv[/dim]", highlight=False)
