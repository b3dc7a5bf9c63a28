"""Accelerators shipped or announced through 2026 are in the catalogue, each figure pinned to its source."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.catalog import Catalog, load_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_config=False)


# (name, field, value, a phrase its source must contain)
PINNED = [
    ("NVIDIA Rubin", "memory_bandwidth_bytes_per_s", 2.2e13, "CES 2026"),
    ("NVIDIA Rubin", "intranode_bandwidth_bytes_per_s", 3.6e12, "NVLink 6"),
    ("AMD Instinct MI455X", "memory_bytes", 4.32e11, "Financial Analyst Day"),
    ("Microsoft Maia 200", "memory_bandwidth_bytes_per_s", 7.0e12, "2026-01-26"),
    ("Microsoft Maia 200", "tdp_w", 750, "750 W"),
    ("Huawei Ascend 950PR", "intranode_bandwidth_bytes_per_s", 2.0e12, "Huawei Connect 2025"),
    ("Meta MTIA 400", "peak_flop_per_s.bf16", 3e15, "2026-03-12"),
    ("Meta MTIA 450", "memory_bandwidth_bytes_per_s", 1.84e13, "18.4 TB/s"),
    ("Amazon Trainium3", "memory_bandwidth_bytes_per_s", 4.9e12, "Trainium3 Architecture"),
    ("Google TPU v5p", "intranode_bandwidth_bytes_per_s", 1.2e12, "1,200 GBps"),
    ("Google TPU v6e Trillium", "intranode_bandwidth_bytes_per_s", 8.0e11, "800 GBps"),
    ("AMD Instinct MI355X", "transistors", 1.85e11, "Hot Chips 2025"),
    ("Huawei Ascend 910C", "peak_flop_per_s.bf16", 8.0e14, "800 TFLOPS"),
]


@pytest.mark.parametrize(("name", "field", "value", "phrase"), PINNED)
def test_recent_chip_figures_are_pinned_to_their_source(
    catalog: Catalog, name: str, field: str, value: float, phrase: str
) -> None:
    chip = catalog.get(name)
    got = chip.peak_flop_per_s.get(field.split(".", 1)[1]) if field.startswith("peak_flop_per_s.") \
        else getattr(chip, field)
    assert got == pytest.approx(value)
    assert phrase in (chip.source_of(field) or ""), chip.source_of(field)


@pytest.mark.parametrize("name", [
    "B300", "GB300", "MI355X", "MI455X", "TPU v6e", "TPU v7", "Trainium2", "Trainium3", "Maia 200", "Gaudi 3",
    "Rubin", "H20", "H200", "Ascend 950PR", "MTIA 400", "Crescent Island", "Qualcomm AI200",
])
def test_accelerators_through_2026_are_catalogued_as_datacenter_chips(catalog: Catalog, name: str) -> None:
    chip = catalog.get(name)
    assert chip.datacenter is True
    assert chip.release_date is not None and chip.release_date <= dt.date(2026, 12, 31)
    assert chip.kind != "gpu" or chip.manufacturer in {"NVIDIA", "AMD", "Intel"}


def test_the_newest_chip_is_from_2026(catalog: Catalog) -> None:
    assert max(c.release_date for c in catalog if c.release_date) >= dt.date(2026, 1, 1)
