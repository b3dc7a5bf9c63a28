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

TSMC_N4_RETICLE = SupplyParams(
    name="tsmc-n4-reticle",
    die_area_mm2=Param(814.0, source=_H100_DIE),
    defect_density_per_cm2=Param(
        0.08, 0.06, 0.11,
        "estimate: mature N5-family D0, between the 2020 value and TSMC's projection (~0.06), from "
        + _ANANDTECH_D0,
        True,
    ),
    wafer_starts_per_month=Param(
        15_000.0, 8_000.0, 25_000.0,
        "estimate: logic wafers/month for one flagship reticle-sized accelerator; no published figure", True,
    ),
    hbm_stacks_per_package=Param(
        5.0, 5.0, 6.0,
        "H100 SXM5: 80 GB on a 5,120-bit bus = 5 active HBM3 stacks of 16 GB (techwarrant.com, 2022-03); "
        "the package has 6 HBM sites (TweakTown, 2022-08-23, Hot Chips 34), so 5-6 stacks are consumed",
    ),
    hbm_stacks_per_year=Param(
        15e6, 8e6, 25e6,
        "estimate: HBM stacks/yr allotted to this product (a share of SK hynix/Samsung/Micron output); "
        "no published figure", True,
    ),
    packaging_wafers_per_month=Param(
        20_000.0, 12_000.0, 35_000.0, "estimate: this product's share of TSMC CoWoS. Total: " + _COWOS, True,
    ),
    dies_per_package=Param(1.0, source="GH100 is one monolithic die per H100 package (NVIDIA H100 whitepaper, 2022)"),
    interposer_area_mm2=Param(
        2_200.0, 1_900.0, 2_700.0,
        "estimate: CoWoS-S interposer of one reticle-sized GPU + 6 HBM sites, ~2.3-3.2x the 858 mm^2 reticle",
        True,
    ),
    notes=(
        "A TSMC N4-class die near the reticle limit, like NVIDIA's GH100 (H100). Good dies are defect-free dies; "
        "harvesting (selling dies with disabled units, as the H100 SXM5 does with 132 of 144 SMs) would raise "
        "the effective yield: treat die yield here as a floor.",
    ),
)

SMIC_7NM = SupplyParams(
    name="smic-7nm",
    die_area_mm2=Param(
        600.0, 456.0, 700.0,
        "estimate: Ascend 910B-class die on SMIC N+1/N+2; the original Ascend 910 compute die (TSMC N7+) was "
        "456 mm^2 (Huawei, Hot Chips 31, 2019-08), the lower end; no published die area for the SMIC part",
        True,
    ),
    defect_density_per_cm2=Param(
        0.22, 0.12, 0.35,
        "estimate: the D0 at which the Murphy model gives the reported yields (about 20 %: Chosun Daily, "
        "2024-06-27, via Asia Times and Tom's Hardware; 30-40 % in 2025-26 reports) for a ~600 mm^2 die",
        True,
    ),
    wafer_starts_per_month=Param(
        10_000.0, 5_000.0, 20_000.0,
        "estimate: SMIC 7 nm-class wafers/month for Ascend; forum and press reports range 5k-20k; SMSC's "
        "SN1 and SN2 fabs have 35,000 12-inch wafers/month each for all <=14 nm nodes (Asia Times, 2024-07)",
        True,
    ),
    hbm_stacks_per_package=Param(
        4.0, source="Ascend 910: four HBM2E stacks beside the compute die (Huawei, Hot Chips 31, 2019-08)",
    ),
    hbm_stacks_per_year=Param(
        2e6, 0.5e6, 5e6,
        "estimate: HBM available to Huawei after the US controls on HBM (3A090.c, rule 2024-12, 89 FR 96790 "
        "as bundled in export_control_rules.yaml): stockpiled plus domestic output; press reports in 2026 "
        "call HBM the binding constraint", True,
    ),
    packaging_wafers_per_month=Param(
        5_000.0, 2_000.0, 10_000.0,
        "estimate: domestic CoWoS-class 2.5D capacity available to Ascend; no published figure", True,
    ),
    dies_per_package=Param(
        1.0, source="Ascend 910: one Da Vinci compute die (plus an I/O die on another process) per package "
        "(Huawei, Hot Chips 31, 2019-08); the 910C pairs two: set 2 for it",
    ),
    interposer_area_mm2=Param(
        1_800.0, 1_500.0, 2_200.0, "estimate: interposer for one ~600 mm^2 die and four HBM2E stacks", True,
    ),
    notes=(
        "An SMIC 7 nm-class (N+1/N+2, DUV multi-patterning) accelerator die like Huawei's Ascend 910B. The "
        "volumes are the least certain inputs: override them with your own figures.",
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
