"""The curated amendments (computegov/data/curated.yaml) are well-formed and reach the catalogue."""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

import pytest
import yaml

from computegov.catalog import Catalog, load_catalog
from computegov.catalog.chip import NUMERIC_FIELDS, PRECISIONS
from computegov.catalog.lookup import normalise_name
from computegov.catalog.records import KINDS

# ECCN 3A090.a (October 2022 rule): aggregate bidirectional transfer rate of 600 GB/s.
EXPORT_RULE_2022_INTERCONNECT_BYTES_PER_S = 600e9
# October 2023 rule: total processing performance (TPP) threshold of 4,800.
EXPORT_RULE_2023_TPP = 4800


def _bundled(name: str) -> str:
    return resources.files("computegov.data").joinpath(name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    data = yaml.safe_load(_bundled("curated.yaml"))
    assert isinstance(data, list)
    return data


@pytest.fixture(scope="module")
def epoch_names() -> set[str]:
    rows = csv.DictReader(io.StringIO(_bundled("epoch_ml_hardware.csv")))
    return {row["Hardware name"] for row in rows}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_config=False)


def test_amendments_name_existing_epoch_rows_and_additions_are_new(
    entries: list[dict[str, Any]], epoch_names: set[str]
) -> None:
    for entry in entries:
        if entry.get("add"):
            assert entry["name"] not in epoch_names
            assert entry.get("release_date_source")
        else:
            assert entry["name"] in epoch_names, entry["name"]


def test_every_curated_value_is_a_plain_number_with_a_source(entries: list[dict[str, Any]]) -> None:
    allowed = {f"peak_flop_per_s.{p}" for p in PRECISIONS} | set(NUMERIC_FIELDS) | {"foundry", "kind"}
    for entry in entries:
        if "datacenter" in entry:
            assert isinstance(entry["datacenter"], bool)
            assert str(entry.get("datacenter_source") or "").strip(), entry["name"]
        for field, spec in (entry.get("set") or {}).items():
            assert field in allowed, (entry["name"], field)
            assert str(spec.get("source") or "").strip(), (entry["name"], field)
            if field == "foundry":
                assert isinstance(spec["value"], str)
            elif field == "kind":
                assert spec["value"] in KINDS, entry["name"]
            elif spec["value"] is None:
                # a removal: the source table's value is wrong or belongs elsewhere, and says why
                assert "moved" in spec["source"].lower() or "removed" in spec["source"].lower(), entry["name"]
            else:
                # A YAML string such as "1.979e15" (no exponent sign) would not be a number.
                assert isinstance(spec["value"], int | float) and spec["value"] > 0, (
                    entry["name"],
                    field,
                )
            if field == "launch_price_usd":
                assert isinstance(spec.get("year"), int), entry["name"]


def test_aliases_are_unique_and_never_another_chips_name(
    entries: list[dict[str, Any]], epoch_names: set[str]
) -> None:
    names = epoch_names | {e["name"] for e in entries if e.get("add")}
    name_keys = {normalise_name(n): n for n in names}
    owner: dict[str, str] = {}
    for entry in entries:
        for alias in entry.get("aliases") or []:
            key = normalise_name(alias)
            assert owner.setdefault(key, entry["name"]) == entry["name"], alias
            assert name_keys.get(key, entry["name"]) == entry["name"], alias


def test_curated_peaks_are_dense_not_sparse(catalog: Catalog) -> None:
    # Dense FP8 is 1x (no FP8 speed-up) to 2x the dense FP16/BF16 tensor rate on every chip we
    # curated; a sparse figure would show up as 4x. (NVIDIA's L40S datasheet itself gives 733 FP8
    # vs 362.05 BF16, a ratio of 2.02, hence the 5% slack.)
    for name in [
        "H100 SXM",
        "H100 PCIe",
        "H100 NVL",
        "H200",
        "H800",
        "H20",
        "MI300X",
        "MI325X",
        "L40",
        "L40S",
    ]:
        chip = catalog.get(name)
        fp8, bf16 = chip.peak("fp8"), chip.peak("bf16")
        assert fp8 is not None and bf16 is not None, name
        assert 0.99 <= fp8 / bf16 <= 2.05, name


def test_h100_sxm_fp8_is_half_the_sparse_datasheet_figure_with_its_source(catalog: Catalog) -> None:
    chip = catalog.get("H100")
    assert chip.name == "NVIDIA H100 SXM5 80GB"
    assert chip.peak("fp8") == pytest.approx(3958e12 / 2, rel=1e-3)
    assert "datasheet" in (chip.source_of("peak_flop_per_s.fp8") or "")
    assert chip.launch_price_usd == 33600 and chip.launch_price_year == 2023


@pytest.mark.parametrize(
    ("name", "interconnect_bytes_per_s"),
    [
        ("A100", 600e9),
        ("A800", 400e9),
        ("A800 PCIe 40GB", 400e9),
        ("H100", 900e9),
        ("H100 PCIe", 600e9),
        ("H800", 400e9),
        ("H20", 900e9),
        ("H200", 900e9),
        ("B200", 1.8e12),
    ],
)
def test_interconnect_bandwidths_for_the_2022_export_rule(
    catalog: Catalog, name: str, interconnect_bytes_per_s: float
) -> None:
    chip = catalog.get(name)
    assert chip.intranode_bandwidth_bytes_per_s == interconnect_bytes_per_s
    assert chip.source_of("intranode_bandwidth_bytes_per_s")


def test_china_variants_sit_below_the_2022_interconnect_threshold(catalog: Catalog) -> None:
    for name in ["A800", "A800 PCIe 80GB", "H800"]:
        bandwidth = catalog.get(name).intranode_bandwidth_bytes_per_s
        assert bandwidth is not None and bandwidth < EXPORT_RULE_2022_INTERCONNECT_BYTES_PER_S
    for name in ["A100", "H100"]:
        bandwidth = catalog.get(name).intranode_bandwidth_bytes_per_s
        assert bandwidth is not None and bandwidth >= EXPORT_RULE_2022_INTERCONNECT_BYTES_PER_S


def test_rtx_4090_d_is_added_as_a_consumer_card_under_the_2023_tpp_limit(catalog: Catalog) -> None:
    chip = catalog.get("RTX 4090D")
    assert chip.name == "NVIDIA GeForce RTX 4090 D"
    assert chip.origin == "curated"
    assert chip.datacenter is False
    assert str(chip.release_date) == "2023-12-28"
    assert chip.memory_bytes == 24e9 and chip.tdp_w == 425
    # TPP = 8-bit rate in TOPS x 8 (hand calculation: 588.35 x 8 = 4,706.8); the full RTX 4090
    # (660.6 TOPS INT8 in Epoch) is over the limit, which is why the D model exists.
    int8 = chip.peak("int8")
    assert int8 is not None
    assert int8 / 1e12 * 8 == pytest.approx(4706.8, abs=0.1)
    assert int8 / 1e12 * 8 < EXPORT_RULE_2023_TPP
    full = catalog.get("RTX 4090").peak("int8")
    assert full is not None and full / 1e12 * 8 > EXPORT_RULE_2023_TPP
    # 14,592 of the RTX 4090's 16,384 cores at the same clock.
    assert chip.peak("fp32") == pytest.approx(14592 * 2 * 2.52e9, rel=1e-3)


def test_h20_has_full_specs_and_is_datacenter(catalog: Catalog) -> None:
    chip = catalog.get("H20")
    assert chip.name == "NVIDIA HGX H20"
    assert chip.datacenter is True
    assert (chip.peak("bf16"), chip.peak("fp8")) == (148e12, 296e12)
    assert (chip.memory_bytes, chip.memory_bandwidth_bytes_per_s, chip.tdp_w) == (96e9, 4.0e12, 400)
    assert chip.die_area_mm2 == 814


def test_intel_gaudi_list_prices_are_kit_price_over_eight(catalog: Catalog) -> None:
    gaudi3 = catalog.get("Gaudi 3")
    assert gaudi3.launch_price_usd == 125_000 / 8 and gaudi3.launch_price_year == 2024
    gaudi2 = catalog.get("Gaudi 2")
    assert gaudi2.launch_price_usd == 65_000 / 8 and gaudi2.launch_price_year == 2024
    assert "Computex" in (gaudi3.source_of("launch_price_usd") or "")


def test_datacenter_flags_separate_consumer_from_datacenter_parts(catalog: Catalog) -> None:
    for name in [
        "A100",
        "H100",
        "H20",
        "L20",
        "L4",
        "L40S",
        "A800",
        "H800",
        "MI300X",
        "TPU v5p",
        "Gaudi 3",
    ]:
        assert catalog.get(name).datacenter is True, name
    for name in ["RTX 4090", "RTX 4090 D", "RTX 3090"]:
        assert catalog.get(name).datacenter is False, name


def test_a100_pcie_row_is_made_consistent_with_the_40gb_card(catalog: Catalog) -> None:
    chip = catalog.get("A100-PCIE-40GB")
    assert chip.name == "NVIDIA A100 PCIe"
    assert (chip.memory_bytes, chip.memory_bandwidth_bytes_per_s, chip.tdp_w) == (
        40e9,
        1.555e12,
        250,
    )
