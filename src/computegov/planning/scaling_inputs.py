"""What the cluster-scaling model takes in: its assumptions and a chip's bandwidth numbers.

:class:`ScalingAssumptions` holds batch, sequence, node size, overlaps and memory reserve (central
values of ``data/cost_assumptions.yaml`` by default). :class:`ChipNumbers` reads a chip's peak,
memory and intra-/inter-node bandwidth from the catalogue, else from the cited ``interconnect``
table of ``data/cost_assumptions.yaml``; an inter-node bandwidth found nowhere takes the
``internode_bandwidth_fallback_bytes_per_s`` assumption and is listed in
:attr:`ChipNumbers.assumed` so that callers flag it ("network assumed").
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["INTERNODE", "INTRANODE", "ChipNumbers", "ScalingAssumptions"]


@dataclasses.dataclass(frozen=True)
class ScalingAssumptions:
    """Assumptions of the scaling model (defaults: central values of ``data/cost_assumptions.yaml``).

    Attributes:
        global_batch_tokens: tokens per optimiser step.
        seq_len: tokens per sequence.
        chips_per_node: chips joined by the intra-node link (bound on t).
        dp_overlap: fraction of the gradient all-reduce hidden behind backward.
        pipeline_interleave: most virtual stages per chip considered, v (1: plain 1F1B).
        p2p_overlap: fraction of pipeline point-to-point traffic hidden when v > 1.
        memory_reserve_fraction: memory unavailable to the model.
        internode_fallback_bytes_per_s: per-chip inter-node bandwidth when the catalogue has none.
        zero_stage: ZeRO stage for data parallelism.
    """

    global_batch_tokens: float = 16e6
    seq_len: int = 8192
    chips_per_node: int = 8
    dp_overlap: float = 0.8
    pipeline_interleave: float = 8.0
    memory_reserve_fraction: float = 0.10
    internode_fallback_bytes_per_s: float = 25e9
    zero_stage: int = 1
    p2p_overlap: float = 0.8

    @classmethod
    def default(cls, which: str = "central") -> ScalingAssumptions:
        """From the bundled assumptions at ``low``, ``central`` or ``high`` values."""
        return _default_scaling(which)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@functools.cache
def _default_scaling(which: str) -> ScalingAssumptions:
    from computegov.costs.assumptions import default_assumptions

    plan = default_assumptions().planning

    def get(name: str) -> float:
        return float(getattr(plan[name].value, which))

    return ScalingAssumptions(
        global_batch_tokens=get("global_batch_tokens"),
        seq_len=int(get("seq_len")),
        chips_per_node=int(get("chips_per_node")),
        dp_overlap=get("dp_overlap"),
        pipeline_interleave=get("pipeline_interleave"),
        memory_reserve_fraction=get("memory_reserve_fraction"),
        internode_fallback_bytes_per_s=get("internode_bandwidth_fallback_bytes_per_s"),
        p2p_overlap=get("p2p_overlap"),
    )


INTRANODE = "intranode_bandwidth_bytes_per_s"
INTERNODE = "internode_bandwidth_bytes_per_s"


@dataclasses.dataclass(frozen=True)
class ChipNumbers:
    """The numbers of a chip the scaling model uses.

    Attributes:
        name: chip name.
        peak_flop_per_s: dense peak at the training precision, FLOP/s.
        memory_bytes: memory per chip, bytes (None: unknown, memory not checked).
        intra_bytes_per_s: one-direction intra-node bandwidth per chip, bytes/s (0 when missing).
        inter_bytes_per_s: inter-node bandwidth per chip, bytes/s.
        assumed: bandwidth fields filled in by the fallback assumption (flag the result).
        missing: bandwidth fields with no value at all (the model cannot run beyond one chip).
        sources: where bandwidths not in the catalogue came from.
    """

    name: str
    peak_flop_per_s: float
    memory_bytes: float | None
    intra_bytes_per_s: float
    inter_bytes_per_s: float
    assumed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @classmethod
    def from_chip(
        cls, chip: Chip, peak_flop_per_s: float, assumptions: ScalingAssumptions
    ) -> ChipNumbers:
        """Read a catalogue chip, then the cited interconnect table; record what is missing.

        No fallback is used for the intra-node bandwidth (tensor parallelism depends on it too
        much for a guess to mean anything); a missing inter-node bandwidth takes the
        ``internode_fallback_bytes_per_s`` assumption and is listed in :attr:`assumed`.
        """
        from computegov.costs.assumptions import default_assumptions

        entry = default_assumptions().interconnect_for((chip.name, *chip.aliases))
        assumed: list[str] = []
        missing: list[str] = []
        sources: list[str] = []
        intra_bidirectional = chip.intranode_bandwidth_bytes_per_s
        inter = chip.internode_bandwidth_bytes_per_s
        if entry is not None and (not intra_bidirectional or not inter):
            sources.append(f"{entry.fabric}: {entry.source}")
            intra_bidirectional = intra_bidirectional or entry.intranode_bytes_per_s
            inter = inter or entry.internode_bytes_per_s
        if not inter:
            inter = assumptions.internode_fallback_bytes_per_s
            assumed.append(INTERNODE)
        if not intra_bidirectional:
            missing.append(INTRANODE)
        return cls(
            name=chip.name,
            peak_flop_per_s=peak_flop_per_s,
            memory_bytes=chip.memory_bytes,
            intra_bytes_per_s=(intra_bidirectional or 0.0) / 2.0,  # catalogue is bidirectional
            inter_bytes_per_s=inter,
            assumed=tuple(assumed),
            missing=tuple(missing),
            sources=tuple(sources),
        )
