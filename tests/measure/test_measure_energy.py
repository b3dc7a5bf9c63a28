"""Energy sources: NVML (fake library), RAPL (fake powercap tree), the null source, exact joules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from computegov.measure.energy import (  # noqa: E402
    NullEnergySource,
    NvmlEnergySource,
    RaplEnergySource,
    auto_energy_source,
)
from computegov.measure.meter import ComputeMeter  # noqa: E402


class FakeNvml:
    """pynvml stand-in: cumulative energy in mJ per device handle."""

    class NVMLError(Exception):
        pass

    def __init__(self, energy_mj: dict[Any, int], supported: bool = True) -> None:
        self.energy_mj = energy_mj
        self.supported = supported

    def nvmlInit(self) -> None:
        pass

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        return index

    def nvmlDeviceGetHandleByUUID(self, uuid: str) -> Any:
        return uuid

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int:
        if not self.supported:
            raise self.NVMLError("Not Supported")
        return self.energy_mj[handle]


def test_nvml_millijoules_become_joules_summed_over_devices() -> None:
    nvml = FakeNvml({0: 1_500, "GPU-abc": 2_250})
    source = NvmlEnergySource([0, "GPU-abc"], nvml=nvml)
    assert source.available and source.reason is None
    assert source.read_j() == pytest.approx(3.75, abs=1e-12)
    nvml.energy_mj[0] += 1_000
    assert source.read_j() == pytest.approx(4.75, abs=1e-12)


def test_nvml_without_an_energy_counter_says_why() -> None:
    source = NvmlEnergySource([0], nvml=FakeNvml({0: 0}, supported=False))
    assert not source.available
    assert "Not Supported" in (source.reason or "")


def _powercap(root: Path, zones: dict[str, tuple[int, int]]) -> Path:
    for name, (energy_uj, max_uj) in zones.items():
        zone = root / name
        zone.mkdir(parents=True)
        (zone / "energy_uj").write_text(f"{energy_uj}\n")
        (zone / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return root


def test_rapl_sums_package_zones_ignores_subzones_and_handles_wraparound(tmp_path: Path) -> None:
    root = _powercap(
        tmp_path,
        {
            "intel-rapl:0": (900_000, 1_000_000),
            "intel-rapl:1": (100, 1_000_000),
            "intel-rapl:0:0": (5, 10),
        },
    )
    source = RaplEnergySource(root)
    assert source.available
    start_j = source.read_j()
    assert start_j == pytest.approx(0.9001, abs=1e-12)
    (root / "intel-rapl:0" / "energy_uj").write_text("200000\n")  # wrapped: +300000 µJ
    (root / "intel-rapl:1" / "energy_uj").write_text("600100\n")  # +600000 µJ
    assert source.read_j() - start_j == pytest.approx(0.9, abs=1e-12)


def test_rapl_missing_or_unreadable_gives_the_reason(tmp_path: Path) -> None:
    assert "no RAPL powercap interface" in (RaplEnergySource(tmp_path / "absent").reason or "")
    assert "no RAPL package zones" in (RaplEnergySource(tmp_path).reason or "")
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    root = _powercap(tmp_path / "pc", {"intel-rapl:0": (1, 10)})
    (root / "intel-rapl:0" / "energy_uj").chmod(0o000)
    source = RaplEnergySource(root)
    assert not source.available and "root only" in (source.reason or "")


def test_auto_source_falls_back_to_null_with_a_reason() -> None:
    source = auto_energy_source("xpu", None)
    assert isinstance(source, NullEnergySource) and "xpu" in (source.reason or "")
    assert source.read_j() != source.read_j()  # NaN
    nvml = auto_energy_source("cuda", 0, nvml=FakeNvml({0: 10}))
    assert nvml.name == "nvml" and nvml.read_j() == pytest.approx(0.01)


def test_meter_energy_covers_the_wall_time_between_steps_exactly(
    fake_clock: Any, make_fake_energy: Any
) -> None:
    model = torch.nn.Linear(4, 4)
    meter = ComputeMeter(model, energy=make_fake_energy(200.0), interval_steps=2)
    received: list[dict[str, Any]] = []
    meter._sink = received.append
    for _ in range(4):
        with meter.step():
            model(torch.ones(1, 4))
            fake_clock.advance(1.0)
        fake_clock.advance(0.5)
    summary = meter.close()
    # interval 1: step 0 start to step 1 end = 2.5 s; interval 2: step 1 end to step 3 end = 3 s
    assert [r["energy_j"] for r in received] == pytest.approx([500.0, 600.0], abs=1e-9)
    assert summary.energy_j == pytest.approx(1100.0, abs=1e-9)
    assert summary.energy_source == "fake" and summary.energy_unavailable_reason is None


def test_failing_energy_source_marks_the_gap_and_training_goes_on(
    fake_clock: Any, make_fake_energy: Any
) -> None:
    source = make_fake_energy(100.0)
    model = torch.nn.Linear(4, 4)
    meter = ComputeMeter(model, energy=source)

    def broken() -> float:
        raise OSError("counter vanished")

    with meter.step():
        model(torch.ones(1, 4))
    source.read_j = broken
    with meter.step():
        model(torch.ones(1, 4))
    summary = meter.close()
    assert summary.steps == 2 and summary.energy_j is None
    assert any("counter vanished" in gap for gap in summary.gaps)
    assert summary.flop_exact  # energy trouble does not taint the FLOP


def test_tdp_estimate_is_labelled_and_never_reported_as_energy(fake_chip: Any) -> None:
    model = torch.nn.Linear(4, 4)
    meter = ComputeMeter(model, chip=fake_chip, energy=None, tdp_estimate=True)
    with meter.step():
        model(torch.ones(1, 4))
    data = meter.close().to_dict()
    assert data["energy_j"] is None and "switched off" in data["energy_unavailable_reason"]
    assert data["energy_estimate_j"] == pytest.approx(300.0 * data["wall_seconds"])
    assert "not a measurement" in data["energy_estimate_method"]
