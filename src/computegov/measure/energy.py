"""Energy sources for the meter: NVML (GPU), RAPL via powercap sysfs (CPU), or none with a reason.

Each source reads a cumulative energy counter in joules; the meter subtracts readings. Vendor
units become joules here, once: NVML's ``nvmlDeviceGetTotalEnergyConsumption`` is in mJ
(NVML API reference, "Device Queries"; Volta and newer), powercap's ``energy_uj`` in µJ
(Linux kernel docs, Documentation/power/powercap/powercap.rst). Nothing here estimates: a
source that cannot measure says why, and the meter reports ``energy_j = None`` with that reason.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from computegov.errors import InputError

__all__ = [
    "EnergySource",
    "NullEnergySource",
    "NvmlEnergySource",
    "RaplEnergySource",
    "auto_energy_source",
    "resolve_energy_source",
]

log = logging.getLogger(__name__)

J_PER_MJ = 1e-3  # millijoule
J_PER_UJ = 1e-6  # microjoule
POWERCAP_ROOT = Path("/sys/class/powercap")
_PACKAGE_ZONE = re.compile(r"^intel-rapl:\d+$")  # top-level package zones (AMD uses this name too)


class EnergySource(Protocol):
    """A cumulative energy counter.

    Attributes:
        name: short source name, e.g. ``"nvml"``.
        scope: what is measured, e.g. ``"GPU 0 (board)"``; two ranks with the same ``scope`` on
            one host measure the same thing and are counted once.
        available: whether :meth:`read_j` works.
        reason: why not, when unavailable.
    """

    name: str
    scope: str
    available: bool
    reason: str | None

    def read_j(self) -> float:
        """Cumulative energy since an arbitrary origin, J (monotonic, wraparound handled)."""
        ...


class NullEnergySource:
    """No energy measurement, and why."""

    name = "none"
    scope = ""
    available = False

    def __init__(self, reason: str) -> None:
        """Args: reason: why energy cannot be measured (shown to the user)."""
        self.reason: str | None = reason

    def read_j(self) -> float:
        """Always NaN: there is no counter."""
        return float("nan")


class NvmlEnergySource:
    """Total energy of one or more NVIDIA GPUs from NVML's cumulative counter (mJ → J).

    Args:
        device_ids: NVML device indices (ints) or UUIDs (``"GPU-..."``) to sum.
        nvml: the ``pynvml`` module (injectable for tests); imported when None.
    """

    name = "nvml"

    def __init__(self, device_ids: Sequence[int | str], nvml: Any = None) -> None:
        self.available = False
        self.reason: str | None = None
        self.scope = f"{socket.gethostname()}:nvml:" + ",".join(str(d) for d in device_ids)
        self._handles: list[Any] = []
        try:
            if nvml is None:
                import pynvml  # nvidia-ml-py

                nvml = pynvml
            self._nvml = nvml
            nvml.nvmlInit()
            for device in device_ids:
                if isinstance(device, str):
                    self._handles.append(nvml.nvmlDeviceGetHandleByUUID(device))
                else:
                    self._handles.append(nvml.nvmlDeviceGetHandleByIndex(int(device)))
            for handle in self._handles:
                nvml.nvmlDeviceGetTotalEnergyConsumption(handle)  # probe: pre-Volta raise here
        except ImportError:
            self.reason = "nvidia-ml-py is not installed (pip install computegov[torch])"
            return
        except Exception as err:  # NVMLError_* hierarchy; driver or device problems
            self.reason = f"NVML energy counter unavailable: {err}"
            return
        if not self._handles:
            self.reason = "no GPU given to NVML"
            return
        self.available = True

    def read_j(self) -> float:
        """Sum of the devices' cumulative energy, J."""
        total_mj = sum(
            self._nvml.nvmlDeviceGetTotalEnergyConsumption(handle) for handle in self._handles
        )
        return float(total_mj) * J_PER_MJ


class RaplEnergySource:
    """CPU package energy from RAPL through Linux powercap sysfs (µJ → J), all packages summed.

    RAPL measures whole packages: every process on the CPUs is in the reading. Since Linux 5.10
    (CVE-2020-8694) ``energy_uj`` is readable by root only on most distributions.

    Args:
        root: the powercap directory (injectable for tests).
    """

    name = "rapl"

    def __init__(self, root: Path | str = POWERCAP_ROOT) -> None:
        self.available = False
        self.reason: str | None = None
        root = Path(root)
        self.scope = f"{socket.gethostname()}:rapl"
        self._zones: list[tuple[Path, float]] = []  # (energy_uj file, max_energy_range_uj)
        self._last_uj: list[int] = []
        self._wrapped_uj: list[float] = []
        try:
            zones = sorted(p for p in root.iterdir() if _PACKAGE_ZONE.match(p.name))
        except OSError as err:
            self.reason = f"no RAPL powercap interface at {root}: {err.strerror or err}"
            return
        if not zones:
            self.reason = f"no RAPL package zones under {root}"
            return
        try:
            for zone in zones:
                energy = zone / "energy_uj"
                max_range = float((zone / "max_energy_range_uj").read_text().strip())
                self._last_uj.append(int(energy.read_text().strip()))
                self._zones.append((energy, max_range))
                self._wrapped_uj.append(0.0)
        except PermissionError:
            self.reason = (
                f"RAPL counters under {root} are readable by root only "
                "(Linux >= 5.10, CVE-2020-8694); run as root or relax the file mode"
            )
            self._zones = []
            return
        except (OSError, ValueError) as err:
            self.reason = f"cannot read RAPL counters under {root}: {err}"
            self._zones = []
            return
        self.available = True

    def read_j(self) -> float:
        """Cumulative package energy since this source was created, J."""
        total_uj = 0.0
        for index, (energy, max_range) in enumerate(self._zones):
            value = int(energy.read_text().strip())
            if value < self._last_uj[index]:  # the counter wrapped at max_energy_range_uj
                self._wrapped_uj[index] += max_range
            self._last_uj[index] = value
            total_uj += value + self._wrapped_uj[index]
        return total_uj * J_PER_UJ


def _cuda_nvml_id(device_index: int) -> int | str:
    """The NVML id of CUDA device ``device_index``, honouring ``CUDA_VISIBLE_DEVICES``."""
    import os

    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if not visible:
        return device_index
    entries = [e.strip() for e in visible.split(",") if e.strip()]
    entry = entries[device_index] if device_index < len(entries) else str(device_index)
    return int(entry) if entry.isdigit() else entry  # UUIDs ("GPU-...") pass through


def auto_energy_source(
    device_type: str, device_index: int | None, nvml: Any = None
) -> EnergySource:
    """The best energy source for a model on ``device_type`` (``"cuda"``, ``"cpu"``, ...).

    Args:
        device_type: torch device type of the model's parameters.
        device_index: CUDA device index (None: the current device, 0 if unknown).
        nvml: injectable ``pynvml`` module for tests.

    Returns:
        An NVML source for CUDA, a RAPL source for CPU, or a :class:`NullEnergySource`.
    """
    if device_type == "cuda":
        source: Any = NvmlEnergySource([_cuda_nvml_id(device_index or 0)], nvml=nvml)
    elif device_type == "cpu":
        source = RaplEnergySource()
    else:
        return NullEnergySource(f"no energy counter known for device type {device_type!r}")
    if source.available:
        return source
    log.info("energy unavailable: %s", source.reason)
    return NullEnergySource(source.reason or "unavailable")


def resolve_energy_source(
    energy: str | EnergySource | None, device_type: str, device_index: int | None
) -> EnergySource:
    """The energy source a meter reads: ``energy=`` as given, checked, or the automatic one.

    Args:
        energy: ``"auto"`` (:func:`auto_energy_source`), None (off) or an energy source.
        device_type: torch device type the steps run on.
        device_index: its index (CUDA), or None.

    Returns:
        An available source, or a :class:`NullEnergySource` saying why energy (J) is unknown.

    Raises:
        InputError: ``energy`` is a string other than ``"auto"``.
    """
    if energy is None:
        return NullEnergySource("energy measurement switched off (energy=None)")
    if energy == "auto":
        try:
            return auto_energy_source(device_type, device_index)
        except Exception as err:
            return NullEnergySource(f"energy source failed to start: {err}")
    if isinstance(energy, str):
        raise InputError(f"energy must be 'auto', None or an energy source, got {energy!r}")
    if not energy.available:
        return NullEnergySource(energy.reason or "energy source unavailable")
    return energy
