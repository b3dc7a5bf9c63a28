"""The facts an export-control rule tests, for one chip: :class:`ChipFacts`.

Facts come from a catalogue :class:`~computegov.catalog.chip.Chip` (:func:`facts_from_chip`,
where the user may supply what the catalogue lacks) or are typed in for a planned chip. Nothing is
guessed: an unknown fact stays None; the one bound used (the 2022 rule's aggregate I/O) is stated
in ``assumptions``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError
from computegov.policy.tpp import tpp_of_chip
from computegov.units import GB

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = [
    "HOST_LINK_MAX_BYTES_PER_S",
    "MAX_DIE_AREA_MM2",
    "MAX_IO_BANDWIDTH_BYTES_PER_S",
    "MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2",
    "MAX_TPP",
    "MIN_DIE_AREA_MM2",
    "PLANAR_NODE_MIN_NM",
    "ChipFacts",
    "facts_from_chip",
]

#: Upper bound assumed for a chip's host link when bounding the 2022 rule's aggregate I/O from
#: the catalogue's chip-to-chip figure: PCIe 5.0 x16, 32 GT/s x 16 lanes, about 64 GB/s each
#: way (PCI-SIG PCIe 5.0 base specification; NVIDIA quotes 128 GB/s bidirectional for H100).
#: Assumption: no catalogued accelerator has a wider host link. Supply --io-bandwidth to override.
HOST_LINK_MAX_BYTES_PER_S = 128e9

#: Process nodes above this (nm) are flagged as planar in the note on applicable die area: FinFETs
#: arrived at 22 nm (Intel) and 16/14 nm (TSMC, Samsung, GlobalFoundries); 28 nm and larger are
#: planar. 20-22 nm is ambiguous (TSMC 20 nm planar, Intel 22 nm FinFET) and not flagged.
PLANAR_NODE_MIN_NM = 22

# Bounds of the facts a user may type in. Sanity bounds against typos and overflow (a die area of
# 1e-308 mm^2 makes the performance density infinite), not published figures; each is far beyond
# any chip so far (an H100 has TPP ~16,000 and ~814 mm^2), so no real chip is refused.
#: Largest TPP (TOPS x bits).
MAX_TPP = 1e9
#: Smallest and largest applicable die area, mm^2 (a whole 300 mm wafer is pi x 150^2 ~ 70,700 mm^2).
MIN_DIE_AREA_MM2, MAX_DIE_AREA_MM2 = 1.0, 1e5
#: Largest aggregate bidirectional I/O bandwidth, bytes/s (10 PB/s).
MAX_IO_BANDWIDTH_BYTES_PER_S = 1e16
#: Largest HBM memory bandwidth density, bytes/s per mm^2 (10 TB/s per mm^2).
MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2 = 1e13


def _check_positive(
    value: float | None,
    what: str,
    *,
    allow_zero: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> None:
    if value is None:
        return
    bad = not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero)
    out_of_range = (low is not None and value < low) or (high is not None and value > high)
    if bad or out_of_range:
        expected = "a non-negative" if allow_zero else "a positive"
        bounds = " ".join(
            part
            for part in (
                f"at least {low:g}" if low is not None else "",
                f"at most {high:g}" if high is not None else "",
            )
            if part
        )
        raise InputError(
            f"{what}: expected {expected} finite number{' ' + bounds if bounds else ''}, "
            f"got {value!r}"
        )


@dataclasses.dataclass(frozen=True)
class ChipFacts:
    """The facts the rules test, for one chip (catalogued or planned).

    Attributes:
        name: chip name.
        tpp: total processing performance (TOPS x bits), None if unknown.
        tpp_precision: precision giving the TPP (``"fp8"``), if computed from rates.
        die_area_mm2: applicable die area, mm^2.
        io_bandwidth_min_bytes_per_s: lower bound of the aggregate bidirectional I/O, bytes/s.
        io_bandwidth_max_bytes_per_s: upper bound of the same (equal to the minimum when known).
        datacenter: designed or marketed for datacenters (None: unknown).
        item: ``"ic"`` (a logic IC) or ``"hbm"`` (a high-bandwidth memory stack).
        memory_bandwidth_density_bytes_per_s_per_mm2: for HBM stacks, bytes/s per mm^2.
        dram_bandwidth_bytes_per_s: total DRAM (e.g. HBM) bandwidth of the chip, bytes/s; tested
            by licence review policies (91 FR 1684), not by the 3A090 paragraphs.
        sources: where each fact came from (fact name -> text).
        assumptions: assumptions made in deriving the facts, in words.
    """

    name: str
    tpp: float | None = None
    tpp_precision: str | None = None
    die_area_mm2: float | None = None
    io_bandwidth_min_bytes_per_s: float | None = None
    io_bandwidth_max_bytes_per_s: float | None = None
    datacenter: bool | None = None
    item: str = "ic"
    memory_bandwidth_density_bytes_per_s_per_mm2: float | None = None
    dram_bandwidth_bytes_per_s: float | None = None
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    assumptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_positive(self.tpp, "TPP", allow_zero=True, high=MAX_TPP)
        _check_positive(
            self.die_area_mm2, "die area (mm^2)", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2
        )
        for io in (self.io_bandwidth_min_bytes_per_s, self.io_bandwidth_max_bytes_per_s):
            _check_positive(
                io, "I/O bandwidth (bytes/s)", allow_zero=True, high=MAX_IO_BANDWIDTH_BYTES_PER_S
            )
        _check_positive(
            self.memory_bandwidth_density_bytes_per_s_per_mm2,
            "memory bandwidth density (bytes/s per mm^2)",
            allow_zero=True,
            high=MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2,
        )
        _check_positive(
            self.dram_bandwidth_bytes_per_s,
            "DRAM bandwidth (bytes/s)",
            high=MAX_IO_BANDWIDTH_BYTES_PER_S,
        )
        if self.item not in {"ic", "hbm"}:
            raise InputError(f"item: expected 'ic' or 'hbm', got {self.item!r}")

    @property
    def performance_density(self) -> float | None:
        """TPP / applicable die area (TPP per mm^2), None if either is unknown."""
        if self.tpp is None or self.die_area_mm2 is None:
            return None
        return self.tpp / self.die_area_mm2

    def interval(self, metric: str) -> tuple[float, float] | None:
        """Known range of a numeric metric in the rule's units, None when nothing is known."""
        if metric == "tpp":
            return None if self.tpp is None else (self.tpp, self.tpp)
        if metric == "performance_density":
            pd = self.performance_density
            return None if pd is None else (pd, pd)
        if metric == "io_bandwidth_gb_per_s":
            lo, hi = self.io_bandwidth_min_bytes_per_s, self.io_bandwidth_max_bytes_per_s
            if lo is None and hi is None:
                return None
            return ((lo or 0.0) / GB, math.inf if hi is None else hi / GB)
        if metric == "memory_bandwidth_density_gb_per_s_per_mm2":
            value = self.memory_bandwidth_density_bytes_per_s_per_mm2
            return None if value is None else (value / GB, value / GB)
        if metric == "dram_bandwidth_gb_per_s":
            dram = self.dram_bandwidth_bytes_per_s
            return None if dram is None else (dram / GB, dram / GB)
        raise KeyError(metric)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (SI units, unit in each key; TPP and PD in the rule's units)."""
        out = dataclasses.asdict(self)
        out["performance_density_tpp_per_mm2"] = self.performance_density
        out["sources"] = dict(self.sources)
        out["assumptions"] = list(self.assumptions)
        return out


def facts_from_chip(
    chip: Chip,
    *,
    tpp: float | None = None,
    die_area_mm2: float | None = None,
    io_bandwidth_bytes_per_s: float | None = None,
    datacenter: bool | None = None,
    dram_bandwidth_bytes_per_s: float | None = None,
) -> ChipFacts:
    """The rule-relevant facts of a catalogue chip, with user-supplied values taking precedence.

    The 2022 rule's aggregate I/O (all inputs and outputs to non-memory ICs) is not a catalogue
    field. Unless given, it is bounded: at least the chip-to-chip bandwidth
    (``intranode_bandwidth_bytes_per_s``), at most that plus a host link of
    :data:`HOST_LINK_MAX_BYTES_PER_S` plus twice the per-chip network bandwidth when known.

    Args:
        chip: the catalogue record.
        tpp: TPP to use instead of the one computed from dense peak rates.
        die_area_mm2: applicable die area, mm^2, instead of the catalogue's die area.
        io_bandwidth_bytes_per_s: aggregate bidirectional I/O, bytes/s.
        datacenter: designed or marketed for datacenters, instead of the catalogue's flag.
        dram_bandwidth_bytes_per_s: total DRAM bandwidth, bytes/s, instead of the catalogue's
            memory bandwidth.

    Raises:
        InputError: a supplied value is zero/negative where that is impossible.
    """
    sources: dict[str, str] = {}
    assumptions: list[str] = []
    precision = None
    if tpp is not None:
        sources["tpp"] = "supplied by the user"
    else:
        result = tpp_of_chip(chip)
        if result is not None:
            tpp, precision = result.tpp, result.precision
            field = f"peak_flop_per_s.{precision}"
            sources["tpp"] = (
                f"{result.rate_op_per_s / 1e12:g} T op/s dense at {precision} x {result.bits} bits"
                f" ({chip.source_of(field) or 'catalogue'})"
            )
    if die_area_mm2 is not None:
        sources["die_area_mm2"] = "supplied by the user"
    elif chip.die_area_mm2 is not None:
        die_area_mm2 = chip.die_area_mm2
        sources["die_area_mm2"] = chip.source_of("die_area_mm2") or "catalogue"
        assumptions.append(
            "catalogue die area used as the applicable die area (logic dies on non-planar processes)"
        )
        if chip.process_nm is not None and chip.process_nm > PLANAR_NODE_MIN_NM:
            assumptions.append(
                f"process {chip.process_nm:g} nm is probably planar; the rule's applicable die area counts"
                " only logic dies on non-planar processes, so the performance density here may not apply"
            )
    io_min = io_max = None
    if io_bandwidth_bytes_per_s is not None:
        io_min = io_max = io_bandwidth_bytes_per_s
        sources["io_bandwidth"] = "supplied by the user"
    elif chip.intranode_bandwidth_bytes_per_s is not None:
        io_min = chip.intranode_bandwidth_bytes_per_s
        io_max = (
            io_min + HOST_LINK_MAX_BYTES_PER_S + 2 * (chip.internode_bandwidth_bytes_per_s or 0.0)
        )
        sources["io_bandwidth"] = (
            f"bounded from chip-to-chip bandwidth ({chip.source_of('intranode_bandwidth_bytes_per_s') or 'catalogue'})"
        )
        assumptions.append(
            f"aggregate I/O between {io_min / GB:g} and {io_max / GB:g} GB/s: chip-to-chip bandwidth"
            f" plus at most a PCIe 5.0 x16 host link ({HOST_LINK_MAX_BYTES_PER_S / GB:g} GB/s)"
            " and the network bandwidth both ways"
        )
    if datacenter is not None:
        sources["datacenter"] = "supplied by the user"
    elif chip.datacenter is not None:
        datacenter = chip.datacenter
        sources["datacenter"] = chip.source_of("datacenter") or "catalogue"
    if dram_bandwidth_bytes_per_s is not None:
        sources["dram_bandwidth"] = "supplied by the user"
    elif chip.memory_bandwidth_bytes_per_s is not None:
        dram_bandwidth_bytes_per_s = chip.memory_bandwidth_bytes_per_s
        sources["dram_bandwidth"] = chip.source_of("memory_bandwidth_bytes_per_s") or "catalogue"
    return ChipFacts(
        name=chip.name,
        tpp=tpp,
        tpp_precision=precision,
        die_area_mm2=die_area_mm2,
        io_bandwidth_min_bytes_per_s=io_min,
        io_bandwidth_max_bytes_per_s=io_max,
        datacenter=datacenter,
        dram_bandwidth_bytes_per_s=dram_bandwidth_bytes_per_s,
        sources=sources,
        assumptions=tuple(assumptions),
    )
