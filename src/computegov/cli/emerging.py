"""``computegov emerging``: post-CMOS claims beside the CMOS trend, paradigm scenarios, quantum break-even."""

from __future__ import annotations

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
    in_range,
    int_option,
    load_catalog_for_cli,
    print_json,
    print_table,
    seed_option,
    table_with,
)

__all__ = ["register"]

emerging_app = typer.Typer(
    help="Emerging hardware: a sourced register of post-CMOS claims, each set beside the catalogue's "
    "record and its calibrated forecast; paradigm scenarios; quantum break-even (Babbush et al. 2021).",
    no_args_is_help=True,
)

PARADIGM = typer.Option(None, "--paradigm", help="photonic, analog_in_memory, neuromorphic, cmos_3d, "
                        "wafer_scale, superconducting or quantum.")
REGISTER_FILE = typer.Option(None, "--file", help="A register YAML of the bundled file's shape (default: bundled).")
#: Furthest year the paradigm scenario forecasts (the record forecasts' own bound is 2100).
MAX_YEAR = 2100


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def _years(value: float | None) -> str:
    return "not by the forecast's end" if value is None else f"{value:+.1f}"


def _claims(file: Path | None, paradigm: str | None, evidence: str | None = None) -> Any:
    from computegov.emerging import load_register
    from computegov.emerging.register import EVIDENCE_KINDS, check_paradigm
    from computegov.errors import UnknownNameError

    reg = load_register(file)
    claims = list(reg.claims)
    if paradigm is not None:
        check_paradigm(paradigm)
        claims = [c for c in claims if c.paradigm == paradigm]
    if evidence is not None:
        if evidence not in EVIDENCE_KINDS:
            raise UnknownNameError(f"unknown evidence kind {evidence!r}; choose one of {', '.join(EVIDENCE_KINDS)}",
                                   name=evidence, candidates=EVIDENCE_KINDS)
        claims = [c for c in claims if c.evidence == evidence]
    return reg, claims


@emerging_app.command("register")
@guarded
@csv_option("entries")
def register_cmd(
    paradigm: str | None = PARADIGM,
    evidence: str | None = typer.Option(None, "--evidence", help="peer_reviewed_measurement, vendor_claim or projection."),
    file: Path | None = REGISTER_FILE,
    as_json: bool = JSON_OPTION,
) -> None:
    """The register: each entry's paradigm, evidence kind, maturity and quoted figures, with its source."""
    reg, claims = _claims(file, paradigm, evidence)
    if as_json:
        print_json({"path": reg.path, "maturity_levels": dict(reg.maturity_levels),
                    "entries": [c.to_dict() for c in claims]})
        return
    table = table_with(f"Emerging-hardware register ({len(claims)} of {len(reg.claims)} entries)",
                       ("id", "paradigm", "date", "evidence", "maturity", "figures", "source"))
    for c in claims:
        figures = "; ".join(f"{m.name}={m.value:.3g}" for m in c.metrics) or "-"
        table.add_row(c.id, c.paradigm, c.date.isoformat(), c.evidence, c.maturity, figures,
                      c.source.doi or c.source.url)
    print_table(table)
    console.print("maturity: " + "; ".join(f"{k}: {v}" for k, v in reg.maturity_levels.items()), highlight=False)


@emerging_app.command("compare")
@guarded
@csv_option("comparisons")
def compare_cmd(
    paradigm: str | None = PARADIGM,
    claim_id: str | None = typer.Option(None, "--id", help="Only this register entry."),
    file: Path | None = REGISTER_FILE,
    history_only: bool = typer.Option(False, "--history-only", help="Skip the record forecasts (catalogue history only)."),
    catalog_file: Path | None = CATALOG_OPTION,
    seed: int = seed_option(0, "the record forecasts"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Each claim against the catalogue's record at its date (same precision, then 16-bit) and years ahead of the trend."""
    from computegov.emerging import compare_claims

    reg, claims = _claims(file, paradigm)
    if claim_id is not None:
        claims = [reg.get(claim_id)]
    chips = list(load_catalog_for_cli(catalog_file))
    rows = compare_claims(claims, chips, forecasts={} if history_only else "auto", seed=seed)
    if as_json:
        print_json({"comparisons": [r.to_dict() for r in rows]})
        return
    table = table_with("Claims beside the CMOS record (chip set ml); x: claim / record at its date",
                       ("id", "claim", "x same precision", "x 16-bit", "years ahead (5-95%)"),
                       right={"x same precision", "x 16-bit"})
    for r in rows:
        if not r.comparable:
            table.add_row(r.claim_id, f"not comparable: {r.reason}", "", "", "")
            continue
        unit = "OP/J" if r.quantity == "energy_efficiency" else "OP/s"
        if r.forecast_method == "history only" and r.years_ahead is None:
            band = "beyond the data (no forecast)"
        else:
            band = f"{_years(r.years_ahead)} ({_years(r.years_ahead_low)} to {_years(r.years_ahead_high)})"
        table.add_row(r.claim_id, f"{_fmt(r.claim_value)} {unit} {r.precision_key} ({r.evidence})",
                      f"{_fmt(r.ratio_same_precision)} vs {r.same_precision_chip}", _fmt(r.ratio_to_record), band)
    print_table(table)
    methods = {r.forecast_method for r in rows if r.comparable}
    for method in sorted(methods):
        console.print(f"trend: {method}", highlight=False)
    console.print("caveats per entry (precision, sparsity, level, phase, delivered vs peak) are in --json.",
                  highlight=False)


@emerging_app.command("scenario")
@guarded
@csv_option()
def scenario_cmd(
    paradigm: str = typer.Option(..., "--paradigm", help="The paradigm (see `emerging register`)."),
    probability: float = typer.Option(..., "--probability", "-p", callback=in_range(0, 1),
                                      help="P(the paradigm reaches production by --year). Range: 0 to 1."),
    year: int = int_option(2030, "--year", help="First year (1 January) the paradigm counts in.", low=2027, high=MAX_YEAR),
    metric: str = typer.Option("flop_per_j", "--metric", "-m", help="flop_per_j or training_flop_per_s."),
    multiplier: float | None = float_option(None, "--multiplier", help="M, or the low end of its range "
                                            "(default: the register's ratios to the record).", low=0, high=1e12,
                                            low_open=True),
    multiplier_high: float | None = float_option(None, "--multiplier-high", help="High end of M (log-uniform).",
                                                 low=0, high=1e12, low_open=True),
    to_year: int = int_option(2045, "--to", help="Last forecast year.", low=2027, high=MAX_YEAR),
    catalog_file: Path | None = CATALOG_OPTION,
    seed: int = seed_option(0, "the record forecast and the mixture"),
    as_json: bool = JSON_OPTION,
) -> None:
    """The calibrated record forecast, mixed with P(paradigm arrives by --year) x its multiplier."""
    from computegov.emerging import (
        ParadigmScenario,
        load_register,
        scenario_forecast,
        scenario_multiplier,
    )
    from computegov.emerging.register import check_paradigm

    check_paradigm(paradigm)
    chips = list(load_catalog_for_cli(catalog_file))
    low, high, source = scenario_multiplier(load_register().claims, chips, paradigm, metric, multiplier,
                                            multiplier_high)
    result = scenario_forecast(chips, ParadigmScenario(paradigm, metric, probability, year, low, high, source),
                               to_year, seed)
    base = result.base
    if as_json:
        print_json(result.to_dict())
        return
    table = table_with(f"{metric} record ({base.unit}) with {paradigm}: p={probability:g} from {year}, "
                       f"M={low:.3g}-{high:.3g}", ("year", "base median", "5%", "median", "95%", "capped"),
                       right={"base median", "5%", "median", "95%", "capped"})
    for row in result.rows():
        table.add_row(f"{row['year']:.0f}", _fmt(row["base_q50"]), _fmt(row["q05"]), _fmt(row["q50"]),
                      _fmt(row["q95"]), f"{row['capped_fraction']:.0%}")
    print_table(table)
    console.print(f"base: {base.method}: {base.coverage_note}", highlight=False)
    console.print(f"M from {source}", highlight=False)


@emerging_app.command("watch")
@guarded
@csv_option("watch_list")
def watch_cmd(
    probability: list[str] = typer.Option(None, "--p", help="PARADIGM=P: your probability that it reaches "
                                           "production (repeatable; 0-1)."),
    relevance: list[str] = typer.Option(None, "--relevance", help="PARADIGM=W: weight for relevance to AI "
                                        "(repeatable; default 1)."),
    metric: str = typer.Option("flop_per_j", "--metric", "-m", help="flop_per_j or training_flop_per_s."),
    evidence: list[str] = typer.Option(None, "--evidence", help="Only entries of this evidence kind set a multiplier "
                                       "(repeatable: peer_reviewed_measurement, vendor_claim, projection; "
                                       "default all)."),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Paradigms ranked by expected uplift = your probability x the register's multiplier x your relevance weight."""
    from computegov.emerging import compare_claims, load_register
    from computegov.emerging.compare import TREND_METRICS
    from computegov.emerging.watch import parse_weights, watch_list
    from computegov.errors import InputError

    if metric not in TREND_METRICS.values():
        raise InputError(f"--metric must be one of {', '.join(TREND_METRICS.values())}, got {metric!r}")
    chips = list(load_catalog_for_cli(catalog_file))
    rows = compare_claims(load_register().claims, chips, forecasts={})
    items = watch_list(rows, parse_weights(probability or [], "--p"), parse_weights(relevance or [], "--relevance"), metric,
                       evidence=evidence or None)
    if as_json:
        print_json({"metric": metric, "evidence": sorted(evidence) if evidence else None,
                    "watch_list": [i.to_dict() for i in items]})
        return
    table = table_with(f"Watch list on {metric} (expected uplift = p x M x relevance)",
                       ("paradigm", "p", "M (register)", "relevance", "uplift", "OOM", "evidence", "note"),
                       right={"p", "M (register)", "relevance", "uplift", "OOM"})
    for i in items:
        table.add_row(i.paradigm, _fmt(i.probability), _fmt(i.multiplier), _fmt(i.relevance),
                      _fmt(i.expected_uplift), _fmt(i.expected_ooms),
                      ", ".join(sorted(set(i.evidence))) or "-", i.note)
    print_table(table)


@emerging_app.command("quantum")
@guarded
@csv_option("paper")
def quantum_cmd(
    toffolis: float = float_option(100.0, "--toffolis", help="Toffoli gates per quantum primitive call (G).",
                                   low=1, high=1e15),
    degree: list[int] = typer.Option([2, 4], "--degree", help="Polynomial degree d of the speed-up (repeatable).",
                                     callback=lambda v: _degrees(v)),
    parallel: float = float_option(1e3, "--parallel", help="Classical parallel speed-up S.", low=1, high=1e12),
    classical_call_s: float | None = float_option(None, "--classical-call-s", help="Classical time per call on one "
                                                  "core (default: 330 ps per Toffoli, Babbush et al.).",
                                                  low=0, high=1e6, low_open=True),
    distillation_speedup: float = float_option(1.0, "--distillation-speedup", help="R: Toffoli time 170 us / R.",
                                               low=1, high=1e6),
    precision: str = typer.Option("int8", "--precision", help="Precision of the catalogue chips' peak."),
    top: int = int_option(3, "--top", help="Catalogue chips compared (highest peak first).", low=0, high=50),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Babbush et al. (2021) break-even: the paper's Table I/II recomputed, your primitive, and catalogue chips."""
    from computegov.emerging import quantum_comparison

    result = quantum_comparison(list(load_catalog_for_cli(catalog_file)), toffolis=toffolis, degrees=degree,
                                parallel=parallel, classical_call_s=classical_call_s,
                                distillation_speedup=distillation_speedup, precision=precision, top=top)
    if as_json:
        print_json(result.to_dict())
        return
    paper = result.paper
    table = table_with("Babbush et al. (2021) Tables I-II recomputed", ("table", "example", "d", "S", "R",
                       "T* ours (s)", "T* paper (s)", "off"), right={"d", "S", "R", "T* ours (s)", "T* paper (s)", "off"})
    for r in paper:
        table.add_row(r["table"], r["example"], str(r["degree"]), _fmt(r["parallel_speedup"]), _fmt(r["R"]),
                      _fmt(r["break_even_s"]), _fmt(r["break_even_s_paper"]), f"{r['rel_error']:+.1%}")
    print_table(table)
    mine = table_with("Your primitive and catalogue chips at peak", ("against", "d", "calls M*", "T* (days)"),
                      right={"d", "calls M*", "T* (days)"})
    for b in (*result.yours, *result.against_chips):
        mine.add_row(b.label, str(b.degree), _fmt(b.calls), _fmt(b.break_even_s / 86400.0))
    print_table(mine)


def _degrees(values: list[int]) -> list[int]:
    for value in values or []:
        if not 2 <= value <= 8:
            raise typer.BadParameter(f"expected a whole number from 2 to 8; got {value}")
    return values


def register(app: typer.Typer) -> None:
    """Add the ``emerging`` group to the root app."""
    app.add_typer(emerging_app, name="emerging")
