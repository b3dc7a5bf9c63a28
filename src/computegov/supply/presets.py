"""Cited presets for the supply model: a TSMC N4-class reticle-sized die and an SMIC 7 nm-class die.

Every number cites its source (URL, date) or says ``estimate:`` with the reasoning and a range.
Production volumes allocated to one product (wafer starts, HBM stacks, packaging wafers) are
never published; they are estimates with wide ranges, meant to be overridden.
"""

from __future__ import annotations

from computegov.errors import UnknownNameError
from computegov.supply.capacity import Param, SupplyParams

__all__ = ["PRESETS", "get_preset"]

_ANANDTECH_D0 = (
    "AnandTech, 'Better Yield on 5nm than 7nm: TSMC Update on Defect Rates for N5' (I. Cutress, 2020-08-25), "
    "https://www.anandtech.com/show/16028 : N5 at 0.10-0.11 defects/cm^2, expected below 0.10 as volume ramps; "
    "N4 is an N5-family node"
)
_H100_DIE = (
    "NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022): GH100 die 814 mm^2, TSMC 4N, 80e9 transistors "
    "(as reported by techwarrant.com and TechPowerUp, 2022-03)"
)
_COWOS = (
    "DIGITIMES Research (2024-08-29), https://apps.digitimes.com/news/a20240829RS400/ : TSMC CoWoS capacity "
    "over 65,000 12-inch wafers/month by end-2025; TrendForce (2025-12-08), "
    "https://www.trendforce.com/news/2025/12/08/ : 75,000-80,000 wafers/month in late 2025"
)

_MS_COWOS = (
    "Morgan Stanley (research note of 2024-10-23, reported by Longbridge/lbkrs.com): TSMC CoWoS capacity "
    "about 370,000 wafers in 2024 and 718,000 in 2025, NVIDIA taking about 63 % in 2025; TSMC's chair Mark Liu "
    "(Nikkei Asia, 2023-09-06): about 8,000 wafers/month in 2023, 11,000 by end-2023, ~20,000 by end-2024"
)
_TRADE_29 = (
    "Taiwanese supply-chain report (2024, relayed by redplanx.com news 2687134): 'H200 and H100 can package "
    "about 29 sets on one wafer', B200 only 16, at 100 % yield"
)

TSMC_N4_RETICLE = SupplyParams(
    name="tsmc-n4-reticle",
    die_area_mm2=Param(814.0, source=_H100_DIE, year=2022),
    defect_density_per_cm2=Param(
        0.08, 0.06, 0.11,
        "estimate: mature N5-family D0, between the 2020 value and TSMC's projection (~0.06), from "
        + _ANANDTECH_D0,
        True, 2024,
    ),
    wafer_starts_per_month=Param(
        15_000.0, 8_000.0, 25_000.0,
        "estimate: logic wafers/month for one flagship reticle-sized accelerator; no published figure "
        "(not binding: logic capacity is about twice the output in every year checked)", True, 2024,
    ),
    hbm_stacks_per_package=Param(
        5.0, 5.0, 6.0,
        "H100 SXM5: 80 GB on a 5,120-bit bus = 5 active HBM3 stacks of 16 GB (techwarrant.com, 2022-03); "
        "the package has 6 HBM sites (TweakTown, 2022-08-23, Hot Chips 34), so 5-6 stacks are consumed",
        year=2022,
    ),
    hbm_stacks_per_year=Param(
        15e6, 8e6, 25e6,
        "estimate for 2024: HBM stacks allotted to this product (a share of SK hynix/Samsung/Micron output); no "
        "per-product figure is published. Lower bound from use: at least 2 million Hopper GPUs shipped to the "
        "largest customers in 2024 (Omdia, cited in the 2025-06-12 House hearing coverage) x 5 stacks = 10 million",
        True, 2024,
    ),
    packaging_wafers_per_month=Param(
        18_000.0, 12_000.0, 25_000.0,
        "estimate for 2024: NVIDIA's ~60 % of TSMC's ~370,000 CoWoS wafers in 2024 (~31,000/month) is ~18,500 "
        "wafers/month, for all its CoWoS products. " + _MS_COWOS + ". Later capacity: " + _COWOS,
        True, 2024,
    ),
    dies_per_package=Param(1.0, source="GH100 is one monolithic die per H100 package (NVIDIA H100 whitepaper, 2022)",
                           year=2022),
    interposer_area_mm2=Param(
        2_200.0, 1_900.0, 2_700.0,
        "estimate: CoWoS-S interposer of one reticle-sized GPU + 6 HBM sites, ~2.3-3.2x the 858 mm^2 reticle; "
        "not used while interposers_per_wafer is given (it would give 16.9 interposers per wafer by the "
        "edge-loss formula, which packs large rectangles worse than real wafer maps)",
        True, 2022,
    ),
    interposers_per_wafer=Param(
        29.0, 17.0, 30.0,
        _TRADE_29 + ". Low end 17: the gross count the die-per-wafer formula gives for a 2,200 mm^2 interposer "
        "(a floor: the formula's edge loss is pessimistic for large rectangles)",
        year=2024,
    ),
    notes=(
        "A TSMC N4-class die near the reticle limit, like NVIDIA's GH100 (H100), with 2024 capacities. Good dies "
        "are defect-free dies; harvesting (selling dies with disabled units, as the H100 SXM5 does with 132 of 144 "
        "SMs) would raise the effective yield: treat die yield here as a floor. See `supply hindcast` for how the "
        "model compares with published shipments.",
    ),
)

SMIC_7NM = SupplyParams(
    name="smic-7nm",
    die_area_mm2=Param(
        600.0, 456.0, 700.0,
        "estimate: Ascend 910B-class die on SMIC N+1/N+2; the original Ascend 910 compute die (TSMC N7+) was "
        "456 mm^2 (Huawei, Hot Chips 31, 2019-08), the lower end; no published die area for the SMIC part",
        True, 2024,
    ),
    defect_density_per_cm2=Param(
        0.22, 0.12, 0.35,
        "estimate: the D0 at which the Murphy model gives the reported yields (about 20 %: Chosun Daily, "
        "2024-06-27, via Asia Times and Tom's Hardware; 30-40 % in 2025-26 reports) for a ~600 mm^2 die",
        True, 2025,
    ),
    wafer_starts_per_month=Param(
        1_200.0, 600.0, 2_400.0,
        "estimate, calibrated rather than observed: set so that 2025 output agrees with the US Commerce Department's assessment "
        "that Huawei's Ascend production capacity for 2025 is 'at or below 200,000' (Under Secretary Jeffrey "
        "Kessler, House Foreign Affairs subcommittee hearing, 2025-06-12, Reuters). Press and forum reports of "
        "5,000-20,000 SMIC 7 nm wafers/month for Ascend would give 0.6-2.5 million, inconsistent with it; SMIC's "
        "SN1/SN2 fabs have 35,000 12-inch wafers/month each for all <=14 nm products (Asia Times, 2024-07)",
        True, 2025,
    ),
    hbm_stacks_per_package=Param(
        8.0, source="Ascend 910C: 128 GB at 3.2 TB/s (catalogue row, Epoch AI) = 8 HBM2E stacks of 16 GB at "
        "400 GB/s, four beside each of its two dies (the 910 had four beside one die: Huawei, Hot Chips 31, 2019-08)",
        year=2025,
    ),
    hbm_stacks_per_year=Param(
        2e6, 0.5e6, 5e6,
        "estimate for 2025: HBM available to Huawei after the US controls on HBM (3A090.c, rule 2024-12, 89 FR "
        "96790 as bundled in export_control_rules.yaml): stockpiled plus domestic output; press reports in 2026 "
        "call HBM the binding constraint", True, 2025,
    ),
    packaging_wafers_per_month=Param(
        5_000.0, 2_000.0, 10_000.0,
        "estimate: domestic CoWoS-class 2.5D capacity available to Ascend; no published figure", True, 2025,
    ),
    dies_per_package=Param(
        2.0, source="Ascend 910C, Huawei's 2025 volume part: two 910B-class compute dies in one package (Huawei "
        "Connect 2025 roadmap gives the 910C as one product of 800 TFLOPS FP16, twice the 910B's; CSIS and "
        "SemiAnalysis 2025 analyses); set 1 for a 910B",
        year=2025,
    ),
    interposer_area_mm2=Param(
        2_400.0, 2_000.0, 3_000.0, "estimate: interposer for two ~600 mm^2 dies and eight HBM2E stacks", True, 2025,
    ),
    notes=(
        "An SMIC 7 nm-class (N+1/N+2, DUV multi-patterning) accelerator like Huawei's Ascend 910C (two dies, eight "
        "HBM stacks). The wafer starts are calibrated to the US Commerce figure (<= 200,000 Ascend in 2025), so the "
        "Ascend hindcast checks consistency, not skill. Override the volumes with your own figures.",
    ),
)

#: Preset name -> parameters.
PRESETS: dict[str, SupplyParams] = {p.name: p for p in (TSMC_N4_RETICLE, SMIC_7NM)}


def get_preset(name: str) -> SupplyParams:
    """The preset called ``name``.

    Raises:
        UnknownNameError: no such preset (the message lists them).
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownNameError(
            f"preset: unknown preset {name!r}", name=name, candidates=list(PRESETS)
        ) from None
