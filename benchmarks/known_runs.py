"""Compare computegov's planner arithmetic with public figures for real training runs.

Run: ``python benchmarks/known_runs.py [--json]``. For each run it prints the ratio ours / theirs of

- chip-hours at the reported utilisation (pure arithmetic: FLOP / (peak x MFU) / 3600 s) against
  the reported chip-hours (chips x reported training time, or the model card's GPU-hours);
- MFU predicted by the cluster-scaling model (computegov.planning.scaling) at the run's chip
  count, batch and sequence length against the MFU the developers reported (and, as a
  sensitivity check, the same without the interleaved pipeline schedule);
- cost (amortised ownership, computegov.costs, at the reported utilisation and wall-clock time)
  against Epoch AI's amortised hardware-plus-energy estimate, both in 2023 USD;
- wall-clock days the planner predicts at the published chip count (its own utilisation from the
  evidence table and scaling model, with failures and checkpoints) against the published days;
- the reliability model's unexpected interruptions for Llama 3 405B's 54-day window against the
  419 Meta reported (in-sample), and its job MTBF for OPT-175B against the ~7.5 h observed.

Every reported number carries its source. Data from Epoch AI's Notable AI Models (2025-02-24
snapshot, CC-BY 4.0, https://epoch.ai/data) are marked "Epoch".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
from typing import Any

EPOCH = "Epoch AI, Notable AI Models (2025-02-24 snapshot, CC-BY 4.0)"


@dataclasses.dataclass(frozen=True)
class KnownRun:
    """A real training run and what its developers (or Epoch AI) reported."""

    name: str
    chip: str
    chips: int
    flop: float
    params: float
    batch_tokens: float
    seq_len: int
    reported_mfu: float | None
    reported_chip_hours: float | None
    epoch_cost_usd_2023: float | None
    sources: str
    independent: bool = (
        False  # MFU and chip-hours reported separately (else one is derived from the other)
    )
    chip_price_usd: float | None = None  # for chips without a catalogue price
    price_includes_server: bool = False
    price_source: str = ""
    year: int = 2023  # publication year (electricity price and dollars of the Cottier preset)


RUNS: tuple[KnownRun, ...] = (
    KnownRun(
        name="Llama 3.1 405B",
        year=2024,
        chip="H100 SXM",
        chips=16384,
        flop=3.8e25,
        params=405e9,
        batch_tokens=16e6,
        seq_len=8192,
        reported_mfu=0.40,
        reported_chip_hours=30.84e6,
        epoch_cost_usd_2023=None,
        independent=True,
        sources=(
            "FLOP, chips, 38-43% BF16 MFU (Table 4), 16M-token batch of 8192-token sequences: Dubey et "
            "al. 2024, arXiv:2407.21783; 30.84M H100 GPU-hours: Llama 3.1 model card (Meta, 2024)"
        ),
        price_includes_server=True,  # the catalogue's H100 price is DGX H100 / 8 (SemiAnalysis)
    ),
    KnownRun(
        name="Nemotron-4 340B",
        year=2024,
        chip="H100 SXM",
        chips=6144,
        flop=1.8e25,
        params=340e9,
        batch_tokens=2304 * 4096,
        seq_len=4096,
        reported_mfu=0.41,
        reported_chip_hours=6144 * 2200,
        epoch_cost_usd_2023=None,
        sources=f"NVIDIA 2024, arXiv:2406.11704 (batch 2304 x 4096); chips, time, MFU: {EPOCH}",
        price_includes_server=True,
    ),
    KnownRun(
        name="PaLM 540B",
        year=2022,
        chip="TPU v4",
        chips=6144,
        flop=2.5272e24,
        params=540e9,
        batch_tokens=2048 * 2048,
        seq_len=2048,
        reported_mfu=0.462,
        reported_chip_hours=6144 * 1536,
        epoch_cost_usd_2023=2.945950e6,
        independent=True,
        sources=f"Chowdhery et al. 2022, arXiv:2204.02311 (46.2% MFU, batch up to 2048 x 2048); time, cost: {EPOCH}",
    ),
    KnownRun(
        name="Megatron-Turing NLG 530B",
        year=2022,
        chip="A100 80GB",
        chips=4480,
        flop=1.17e24,
        params=530e9,
        batch_tokens=1920 * 2048,
        seq_len=2048,
        reported_mfu=0.302,
        reported_chip_hours=4480 * 770,
        epoch_cost_usd_2023=3.704291e6,
        sources=f"Smith et al. 2022, arXiv:2201.11990 (batch 1920 x 2048); MFU, time, cost: {EPOCH}",
        chip_price_usd=199_000 / 8,
        price_includes_server=True,
        price_source="NVIDIA DGX A100 launch price $199,000 for 8 GPUs (NVIDIA, May 2020)",
    ),
    KnownRun(
        name="Llama 2 70B",
        year=2023,
        chip="A100 80GB",
        chips=1000,
        flop=8.1e23,
        params=70e9,
        batch_tokens=4e6,
        seq_len=4096,
        reported_mfu=0.419,
        reported_chip_hours=1.72e6,
        epoch_cost_usd_2023=1.099605e6,
        sources=(
            "Touvron et al. 2023, arXiv:2307.09288: 1,720,320 A100-80GB GPU-hours for 70B, 4M-token "
            f"batch, 4096 context; chips, MFU, cost: {EPOCH}"
        ),
        chip_price_usd=199_000 / 8,
        price_includes_server=True,
        price_source="NVIDIA DGX A100 launch price $199,000 for 8 GPUs (NVIDIA, May 2020)",
    ),
    KnownRun(
        name="OPT-175B",
        year=2022,
        chip="A100 80GB",
        chips=1024,
        flop=4.3e23,
        params=175e9,
        batch_tokens=2e6,
        seq_len=2048,
        reported_mfu=0.47115,
        reported_chip_hours=1024 * 793.5,
        epoch_cost_usd_2023=7.316676e5,
        sources=f"Zhang et al. 2022, arXiv:2205.01068 (2M-token batch); MFU, time, cost: {EPOCH}",
        chip_price_usd=199_000 / 8,
        price_includes_server=True,
        price_source="NVIDIA DGX A100 launch price $199,000 for 8 GPUs (NVIDIA, May 2020)",
    ),
    KnownRun(
        name="BLOOM-176B",
        year=2022,
        chip="A100 80GB",
        chips=384,
        flop=3.65664e23,
        params=176e9,
        batch_tokens=2048 * 2048,
        seq_len=2048,
        reported_mfu=0.50,
        reported_chip_hours=384 * 2808,
        epoch_cost_usd_2023=9.010687e5,
        independent=True,
        sources=f"BigScience 2022, arXiv:2211.05100 (batch 2048 x 2048); MFU, time, cost: {EPOCH}",
        chip_price_usd=199_000 / 8,
        price_includes_server=True,
        price_source="NVIDIA DGX A100 launch price $199,000 for 8 GPUs (NVIDIA, May 2020)",
    ),
    KnownRun(
        name="GPT-3 175B",
        year=2020,
        chip="V100",
        chips=10000,
        flop=3.14e23,
        params=175e9,
        batch_tokens=3.2e6,
        seq_len=2048,
        reported_mfu=0.1968,
        reported_chip_hours=10000 * 355.2,
        epoch_cost_usd_2023=2.056969e6,
        sources=f"Brown et al. 2020, arXiv:2005.14165 (3.2M-token batch); chips, MFU, time, cost: {EPOCH}",
        chip_price_usd=149_000 / 8,
        price_includes_server=True,
        price_source="NVIDIA DGX-1 with 8 V100 launch price $149,000 (NVIDIA, May 2017)",
    ),
    KnownRun(
        name="Gopher 280B",
        year=2021,
        chip="TPU v3",
        chips=4096,
        flop=6.31e23,
        params=280e9,
        batch_tokens=6e6,
        seq_len=2048,
        reported_mfu=0.378,
        reported_chip_hours=4096 * 920,
        epoch_cost_usd_2023=6.166111e5,
        sources=f"Rae et al. 2021, arXiv:2112.11446 (batch 3M then 6M tokens); MFU, time, cost: {EPOCH}",
    ),
)


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or not (ours > 0 and theirs > 0):
        return None
    return ours / theirs


def evaluate_run(
    run: KnownRun, catalog: Any, max_interleave: float | None = None
) -> dict[str, Any]:
    """Our numbers for one run and the ratios to the reported ones.

    ``max_interleave`` overrides the most virtual pipeline stages per chip the scaling model may
    use (1 = plain 1F1B schedule), for the sensitivity line of the summary.
    """
    from computegov.costs import CostModel, MissingCostDataError, compute_cost, default_assumptions
    from computegov.inflation import to_usd
    from computegov.planning import (
        ChipNumbers,
        ScalingAssumptions,
        architecture_from_params,
        best_layout,
    )

    chip = catalog.get(run.chip)
    _, peak = chip.training_peak()
    out: dict[str, Any] = {
        "run": run.name,
        "chip": chip.name,
        "chips": run.chips,
        "sources": run.sources,
    }

    # 1. chip-hours at the reported utilisation: FLOP / (peak x MFU) / 3600
    chip_hours = run.flop / (peak * run.reported_mfu * 3600) if run.reported_mfu else None
    out["chip_hours_ours"] = chip_hours
    out["chip_hours_reported"] = run.reported_chip_hours
    out["chip_hours_ratio"] = _ratio(chip_hours, run.reported_chip_hours)
    out["independent"] = run.independent

    # 2. MFU from the scaling model at the run's size, batch and sequence
    scaling = dataclasses.replace(
        ScalingAssumptions.default(), global_batch_tokens=run.batch_tokens, seq_len=run.seq_len
    )
    if max_interleave is not None:
        scaling = dataclasses.replace(scaling, pipeline_interleave=max_interleave)
    arch = architecture_from_params(run.params, seq_len=run.seq_len)
    kernel = default_assumptions().mfu_for(chip.release_date).value.central
    numbers = ChipNumbers.from_chip(chip, peak, scaling)
    layout = best_layout(
        numbers,
        run.chips,
        arch,
        kernel_mfu=kernel,
        assumptions=scaling,
    )
    out["mfu_ours"] = layout.mfu if layout else None
    out["mfu_reported"] = run.reported_mfu
    out["mfu_ratio"] = _ratio(out["mfu_ours"], run.reported_mfu)
    out["layout"] = (
        f"{layout.tp}/{layout.pp}/{layout.dp} v{layout.vp} {layout.recompute}"
        if layout
        else "does not fit"
    )
    out["bandwidth_notes"] = [
        *(f"interconnect table: {src}" for src in numbers.sources),
        *(f"{field} assumed" for field in numbers.assumed),
    ]

    # 3. amortised ownership cost at the reported utilisation, in 2023 USD
    cost_2023 = None
    if run.epoch_cost_usd_2023 is not None and run.reported_mfu:
        changes: dict[str, Any] = {}
        if run.chip_price_usd is not None:
            changes["chip_price_usd"] = to_usd(run.chip_price_usd, 2020, 2024)
        if run.price_includes_server and run.chip_price_usd is not None:
            # a whole-server price per chip: the model divides it by 1 + server share itself
            changes["price_includes_server"] = True
        try:
            model = CostModel(**changes)
            cost = compute_cost(run.flop, chip, run.reported_mfu, model).cost_usd.central
            cost_2023 = to_usd(cost, model.dollar_year, 2023)
        except MissingCostDataError as err:
            out["cost_note"] = str(err)
    out["cost_usd_2023_ours"] = cost_2023
    out["cost_usd_2023_epoch"] = run.epoch_cost_usd_2023
    out["cost_ratio"] = _ratio(cost_2023, run.epoch_cost_usd_2023)
    out["price_source"] = run.price_source

    out.update(_cottier(run, chip))

    # 4. the planner's wall-clock days at the run's chip count (its own MFU, failures on)
    out.update(_planner_days(run, chip, scaling))
    return out


#: Epoch's TPU prices per chip (constants.py, TPU_EQUIVALENT_RELEASE_PRICES, training-cost-trends
#: @62d66d8f), used for TPUs, which are not sold.
_TPU_PRICE_USD = {"TPU v3": 5276.0, "TPU v4": 5167.0}


def _cottier(run: KnownRun, chip: Any) -> dict[str, Any]:
    """The Cottier et al. (2024) preset at the reported chip-hours, in 2023 USD, vs Epoch's figure."""
    from computegov.costs.cottier import cottier_run_cost, server_cost_overhead
    from computegov.errors import ComputegovError
    from computegov.inflation import to_usd

    if run.epoch_cost_usd_2023 is None or not run.reported_chip_hours:
        return {"cottier_usd_2023": None, "cottier_ratio": None}
    if run.chip in _TPU_PRICE_USD:
        price = _TPU_PRICE_USD[run.chip]
    elif run.chip_price_usd is not None:
        # a DGX price per GPU is a server price: their server overhead gives the chip alone
        overhead = server_cost_overhead(chip.name)
        price = run.chip_price_usd / overhead if run.price_includes_server else run.chip_price_usd
    else:
        return {"cottier_usd_2023": None, "cottier_ratio": None}
    try:
        cost = cottier_run_cost(
            chip.name, price, chip.tdp_w or 400.0, run.year, run.reported_chip_hours,
            hyperscaler=True,
        )
    except ComputegovError as err:
        return {"cottier_usd_2023": None, "cottier_ratio": None, "cottier_note": str(err)}
    usd_2023 = to_usd(cost.total_usd, run.year, 2023)
    return {"cottier_usd_2023": usd_2023, "cottier_ratio": _ratio(usd_2023, run.epoch_cost_usd_2023)}


def _planner_days(run: KnownRun, chip: Any, scaling: Any) -> dict[str, Any]:
    """Predicted days (planner: evidence MFU, scaling model, failures) vs published days."""
    from computegov.costs import CostModel
    from computegov.errors import ComputegovError
    from computegov.planning import PlanRequest, evaluate

    published = run.reported_chip_hours / run.chips / 24.0 if run.reported_chip_hours else None
    try:
        model = CostModel(  # the price does not change the days; fixed so every chip is priced
            chip_price_usd=run.chip_price_usd or 10_000.0, tdp_w=chip.tdp_w or 400.0
        )
        _, option = evaluate(
            PlanRequest(flop=run.flop, params=run.params), chip, run.chips, model=model,
            scaling=scaling,
        )
    except ComputegovError as err:
        return {"days_published": published, "days_note": str(err)}
    rel = option.reliability
    return {
        "days_published": published,
        "days_ours": option.days,
        "days_ours_low": option.duration_s.low / 86400.0,
        "days_ours_high": option.duration_s.high / 86400.0,
        "days_ours_without_failures": option.days_without_failures,
        "days_ratio": _ratio(option.days, published),
        "mfu_planner": option.utilisation.central,
        "goodput": rel.goodput.central if rel else None,
        "interruptions_ours": rel.interruptions.central if rel else None,
    }


#: Llama 3 405B: 419 unexpected interruptions in a 54-day snapshot on 16,384 H100
#: (Meta 2024, arXiv:2407.21783, sec. 3.3.4, Table 5).
LLAMA3_WINDOW = {"chips": 16_384, "days": 54.0, "unexpected": 419}
#: OPT-175B: about one interruption per 7.5 h on 992 A100 (Meta 2021-22; job MTTI table at
#: https://glennklockwood.com/garden/job-reliability, read 2026-12-04, from the OPT-175B logbook).
OPT_MTTI = {"chips": 992, "hours": 7.5}


def interruption_checks() -> dict[str, Any]:
    """Predicted interruptions for Llama 3's 54-day window (in-sample) and OPT-175B's MTTI."""
    from computegov.planning.reliability import ReliabilityAssumptions, reliability

    a = ReliabilityAssumptions.default()
    chips, wall = LLAMA3_WINDOW["chips"], LLAMA3_WINDOW["days"] * 86400.0
    lo, hi = 0.5 * wall, wall
    for _ in range(40):  # the failure-free work whose expected wall-clock is the 54-day window
        mid = (lo + hi) / 2
        if reliability(mid, chips, 405e9, a, samples=50).wall_s.central < wall:
            lo = mid
        else:
            hi = mid
    llama = reliability(lo, chips, 405e9, a)
    opt_mtbf_h = 1.0 / (a.total_rate_per_chip_hour * OPT_MTTI["chips"])
    return {
        "llama3_unexpected_predicted": llama.interruptions.to_dict(),
        "llama3_unexpected_published": LLAMA3_WINDOW["unexpected"],
        "llama3_ratio": llama.interruptions.central / LLAMA3_WINDOW["unexpected"],
        "llama3_goodput": llama.goodput.to_dict(),
        "llama3_note": "in-sample: the default rates are Table 5's counts over this window",
        "opt_mtbf_hours_predicted": opt_mtbf_h,
        "opt_mtbf_hours_published": OPT_MTTI["hours"],
        "opt_ratio": opt_mtbf_h / OPT_MTTI["hours"],
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def _summary(rows: list[dict[str, Any]], key: str) -> str:
    ratios = [
        r[key] for r in rows if r.get(key) and (key != "chip_hours_ratio" or r["independent"])
    ]
    if not ratios:
        return f"{key}: no comparisons"
    logs = [abs(math.log10(r)) for r in ratios]
    return (
        f"{key}: n = {len(ratios)}, median ratio {statistics.median(ratios):.2f}, "
        f"median |log10 ratio| {statistics.median(logs):.3f}, worst {max(ratios, key=lambda r: abs(math.log10(r))):.2f}"
    )


def _print_days(rows: list[dict[str, Any]]) -> None:
    """Planner's wall-clock days at the published chip count vs the published days."""
    print(f"{'run':<26}{'days ours':>10} {'(low-high)':>14} {'no-fail':>8} {'published':>10} {'ratio':>6}")
    for r in rows:
        if r.get("days_ours") is None:
            print(f"{r['run']:<26}{'-':>10}  {r.get('days_note', '')[:60]}")
            continue
        span = f"({r['days_ours_low']:.0f}-{r['days_ours_high']:.0f})"
        print(
            f"{r['run']:<26}{r['days_ours']:>10.1f} {span:>14} {r['days_ours_without_failures']:>8.1f} "
            f"{_fmt(r['days_published'], '.1f'):>10} {_fmt(r['days_ratio'], '.2f'):>6}"
        )
    ratios = [r["days_ratio"] for r in rows if r.get("days_ratio")]
    if ratios:
        logs = sorted(math.log10(x) for x in ratios)
        print(
            f"days_ratio (planner / published): n = {len(ratios)}, median {statistics.median(ratios):.2f}, "
            f"spread (min-max) {min(ratios):.2f}-{max(ratios):.2f}, median |log10| "
            f"{statistics.median(abs(v) for v in logs):.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--quick", action="store_true", help="smoke mode: the same run (it takes under a second)")
    args = parser.parse_args(argv)

    from computegov.catalog import load_catalog

    catalog = load_catalog()
    rows = [evaluate_run(run, catalog) for run in RUNS]
    checks = interruption_checks()
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    header = (
        f"{'run':<26}{'chips':>7}  {'chip-h ours/rep':>15}  {'MFU ours':>8} {'rep':>5} {'ratio':>6}"
        f"  {'layout':<31}{'cost ours $M':>12} {'Epoch $M':>9} {'ratio':>6}"
    )
    print("accuracy benchmark: baseline = each run's published figures (chip-hours, MFU, Epoch AI's costs, "
          "wall-clock days); ratio = ours / published")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['run']:<26}{r['chips']:>7,}  "
            f"{_fmt(r['chip_hours_ratio'], '.3f') + ('' if r['independent'] else '*'):>15}  "
            f"{_fmt(r['mfu_ours'], '.3f'):>8} {_fmt(r['mfu_reported'], '.3f'):>5} {_fmt(r['mfu_ratio'], '.2f'):>6}  "
            f"{r['layout']:<31}{_fmt(r['cost_usd_2023_ours'] and r['cost_usd_2023_ours'] / 1e6, '.2f'):>12} "
            f"{_fmt(r['cost_usd_2023_epoch'] and r['cost_usd_2023_epoch'] / 1e6, '.2f'):>9} {_fmt(r['cost_ratio'], '.2f'):>6}"
        )
    print(
        "* chip-hours ratio is 1 by construction: the reported MFU was derived from the same "
        "chip-hours (excluded from the summary)."
    )
    print()
    for key in ("chip_hours_ratio", "mfu_ratio", "cost_ratio", "cottier_ratio"):
        print(_summary(rows, key))
    print(
        "cottier_ratio: the Cottier et al. (2024) preset (computegov costs cottier) at the reported "
        "chip-hours, hardware new at the start, / Epoch's published amortised cost (their method)"
    )
    print()
    _print_days(rows)
    print()
    n = checks["llama3_unexpected_predicted"]
    print(
        f"Llama 3 405B, 16,384 H100 over 54 days: {n['central']:.0f} ({n['low']:.0f}-{n['high']:.0f}) "
        f"unexpected interruptions predicted vs 419 published (ratio {checks['llama3_ratio']:.3f}; "
        f"{checks['llama3_note']}); goodput {checks['llama3_goodput']['central']:.1%} "
        "(Meta: > 90 % effective training time)"
    )
    print(
        f"OPT-175B, 992 A100 (out of sample): job MTBF {checks['opt_mtbf_hours_predicted']:.0f} h "
        f"predicted at Llama 3's rates vs ~{checks['opt_mtbf_hours_published']:g} h observed "
        f"(ratio {checks['opt_ratio']:.1f}: a 2021 stack failed far more often than the default)"
    )
    if not args.quick:
        plain = [evaluate_run(run, catalog, max_interleave=1) for run in RUNS]
        print("sensitivity, plain 1F1B pipeline (no interleaving): " + _summary(plain, "mfu_ratio"))
    print()
    print("Sources:")
    for r in rows:
        extra = f"; chip price: {r['price_source']}" if r["price_source"] else ""
        print(f"  {r['run']}: {r['sources']}{extra}")
    print("Interconnect not in the catalogue (data/cost_assumptions.yaml, interconnect):")
    for r in rows:
        for note in r["bandwidth_notes"]:
            print(f"  {r['run']}: {note[:150]}")
    print(f"\nData: {EPOCH}, https://epoch.ai/data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
