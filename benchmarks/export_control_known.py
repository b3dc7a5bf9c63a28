"""Our ECCN 3A090 classifications against publicly reported outcomes for well-known chips.

Each case names a chip (looked up in the bundled catalogue), a rule version, the outcome that was
publicly reported (controlled by the rule, or outside it) and the public source that reports it.
Where the catalogue lacks a fact a rule needs, the case supplies it with its own source.
Prints one row per case and the agreement; indeterminate results count as disagreement.
A second table checks licence answers by destination (``licence_for``): the review policy that
was publicly stated for a chip and a destination under a rule version.

Usage: python benchmarks/export_control_known.py [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from computegov.catalog import load_catalog
from computegov.policy.export_control import classify, facts_from_chip
from computegov.policy.licensing import licence_for

NVIDIA_8K_2022 = (
    "NVIDIA Form 8-K filed 2022-08-31 (SEC EDGAR; event 2022-08-26): licence requirement on A100 and "
    "H100 and on chips meeting both peak-performance and chip-to-chip I/O thresholds roughly equal to "
    "the A100's, codified as ECCN 3A090 by 87 FR 62186"
)
NVIDIA_8K_2023 = (
    "NVIDIA Form 8-K dated 2023-10-17 (SEC EDGAR, accession 0001045810-23-000217): the rule amending "
    "3A090 imposes licence requirements on ICs including the A100, A800, H100, H800, L40, L40S and RTX 4090"
)
NVIDIA_8K_2025 = (
    "NVIDIA Form 8-K filed 2025-04-15 (SEC EDGAR): on 2025-04-09 the USG informed NVIDIA that H20 "
    "exports to China need a licence (a licensing action; H20 had shipped without one, $4.6B in Q1 FY2026)"
)


@dataclasses.dataclass(frozen=True)
class Case:
    """One publicly reported outcome."""

    chip: str
    rule: str
    controlled: bool
    source: str
    io_bandwidth_bytes_per_s: float | None = None
    fact_source: str = ""


CASES: tuple[Case, ...] = (
    Case("A100", "2022-10", True, NVIDIA_8K_2022),
    Case("H100 SXM5 80GB", "2022-10", True, NVIDIA_8K_2022),
    Case(
        "A800 SXM",
        "2022-10",
        False,
        "Reuters, 2022-11-07 (NVIDIA statement): 'The A800 meets the U.S. government's clear test for "
        "reduced export control and cannot be programmed to exceed it'; chip-to-chip 400 GB/s vs 600",
    ),
    Case(
        "H800 SXM5",
        "2022-10",
        False,
        "Reuters, 2023-03-21, 'Nvidia tweaks flagship H100 chip for export to China as H800'",
    ),
    Case(
        "RTX 4090",
        "2022-10",
        False,
        "Not named in the 2022 8-K; newly restricted by the October 2023 rule ("
        + NVIDIA_8K_2023
        + ")",
        io_bandwidth_bytes_per_s=64e9,
        fact_source="PCIe 4.0 x16 host link, no NVLink on GeForce RTX 40 (NVIDIA RTX 4090 specifications); "
        "16 GT/s x 16 lanes = about 32 GB/s each way (PCI-SIG)",
    ),
    Case("A100", "2023-10", True, NVIDIA_8K_2023),
    Case("A800 SXM", "2023-10", True, NVIDIA_8K_2023),
    Case("H100 SXM5 80GB", "2023-10", True, NVIDIA_8K_2023),
    Case("H800 SXM5", "2023-10", True, NVIDIA_8K_2023),
    Case("L40", "2023-10", True, NVIDIA_8K_2023),
    Case("L40S", "2023-10", True, NVIDIA_8K_2023),
    Case("RTX 4090", "2023-10", True, NVIDIA_8K_2023),
    Case(
        "RTX 4090 D",
        "2023-10",
        False,
        "China launch 2023-12-28 (The Register; Tom's Hardware, 'sanctions-compliant RTX 4090D'): cut "
        "by about 11% to stay below TPP 4800 for consumer cards, NVIDIA having engaged with the USG",
    ),
    Case("HGX H20", "2023-10", False, NVIDIA_8K_2025),
    Case("HGX H20", "2024-12", False, NVIDIA_8K_2025),
)


RULE_2026 = (
    "91 FR 1684 (FR Doc. 2026-00789, 2026-01-15), SUMMARY: 'The semiconductors covered by this rule are "
    "the Nvidia H200 and its equivalents, as well as less advanced chips' (case-by-case review for China and Macau)"
)
FENWICK_2026 = (
    "Fenwick, 'BIS opens door to increasing AI chip exports to China' (2026-01): H200, AMD MI325X and "
    "similar chips 'continue to require a license' to China and Macau, now reviewed case by case; before "
    "2026-01-15 'all license applications for exports to Macau and China were reviewed under a presumption of denial'"
)


@dataclasses.dataclass(frozen=True)
class DestinationCase:
    """One publicly stated licence review policy for a chip and a destination."""

    chip: str
    destination: str
    rule: str
    review_policy: str
    source: str


DESTINATION_CASES: tuple[DestinationCase, ...] = (
    DestinationCase("H200", "CN", "2026-01", "case_by_case", RULE_2026),
    DestinationCase("H200", "MO", "2026-01", "case_by_case", RULE_2026),
    DestinationCase("MI325X", "CN", "2026-01", "case_by_case", FENWICK_2026),
    DestinationCase("H200", "CN", "2024-12", "presumption_of_denial", FENWICK_2026),
)


def run_destinations() -> list[dict[str, object]]:
    """Answer every destination case; one dict per case."""
    catalog = load_catalog()
    rows: list[dict[str, object]] = []
    for case in DESTINATION_CASES:
        answer = licence_for(catalog.get(case.chip), case.destination, case.rule)
        rows.append(
            {
                "chip": answer.chip,
                "destination": case.destination,
                "rule": case.rule,
                "reported": case.review_policy,
                "ours": answer.review_policy,
                "licence_required": answer.licence_required,
                "agree": answer.licence_required is True and answer.review_policy == case.review_policy,
                "reason": answer.reason,
                "source": case.source,
            }
        )
    return rows


def run() -> list[dict[str, object]]:
    """Classify every case; one dict per case."""
    catalog = load_catalog()
    rows: list[dict[str, object]] = []
    for case in CASES:
        chip = catalog.get(case.chip)
        facts = facts_from_chip(chip, io_bandwidth_bytes_per_s=case.io_bandwidth_bytes_per_s)
        result = classify(facts, case.rule)
        agree = result.controlled is case.controlled
        rows.append(
            {
                "chip": chip.name,
                "rule": case.rule,
                "reported": "controlled" if case.controlled else "not controlled",
                "ours": result.outcome,
                "tpp": facts.tpp,
                "performance_density": facts.performance_density,
                "agree": agree,
                "reason": result.reason,
                "source": case.source,
                "supplied_fact": case.fact_source or None,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    parser.add_argument("--quick", action="store_true", help="accepted for uniformity; the full run is already quick")
    args = parser.parse_args()
    rows = run()
    agreed = sum(bool(r["agree"]) for r in rows)
    dest = run_destinations()
    dest_agreed = sum(bool(r["agree"]) for r in dest)
    if args.json:
        print(
            json.dumps(
                {
                    "agreement": agreed / len(rows),
                    "rows": rows,
                    "destination_agreement": dest_agreed / len(dest),
                    "destinations": dest,
                },
                indent=2,
            )
        )
        return 0
    print("accuracy benchmark: baseline = publicly reported classifications and licence outcomes; "
          "agreement = share of cases where ours matches")
    print(f"{'chip':26s} {'rule':8s} {'TPP':>7s} {'PD':>6s} {'reported':15s} {'ours':32s} agree")
    for r in rows:
        pd = r["performance_density"]
        print(
            f"{r['chip']:26s} {r['rule']:8s} {r['tpp']:7,.0f} {'—' if pd is None else f'{pd:.2f}':>6s} "
            f"{r['reported']:15s} {r['ours']:32s} {'yes' if r['agree'] else 'NO'}"
        )
    print(f"\nagreement: {agreed}/{len(rows)} = {agreed / len(rows):.0%}")
    print("\nsources:")
    for r in rows:
        extra = f" [supplied fact: {r['supplied_fact']}]" if r["supplied_fact"] else ""
        print(f"  {r['chip']} / {r['rule']}: {r['source']}{extra}")
    print(f"\n{'chip':26s} {'to':3s} {'rule':8s} {'reported':22s} {'ours':22s} agree")
    for r in dest:
        print(
            f"{r['chip']:26s} {r['destination']:3s} {r['rule']:8s} {r['reported']!s:22s} {r['ours']!s:22s}"
            f" {'yes' if r['agree'] else 'NO'}"
        )
    print(f"\ndestination agreement: {dest_agreed}/{len(dest)} = {dest_agreed / len(dest):.0%}")
    for r in dest:
        print(f"  {r['chip']} -> {r['destination']} / {r['rule']}: {r['source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
