"""Combine per-rank meter totals under ``torch.distributed``.

Each rank's totals travel with ``all_gather_object`` rather than a numeric all-reduce: FLOP of
large runs exceed int64 (9.2e18) and lose exactness in float64 (above 2**53 ≈ 9.0e15), and the
per-rank detail is wanted anyway. Python integers add exactly on every rank, so all ranks
compute the same total.
"""

from __future__ import annotations

from typing import Any

from computegov.measure.summary import MeterSummary, combine_ranks

__all__ = ["distributed_context", "gather_summaries"]


def distributed_context() -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group, ``(0, 1)`` without one."""
    try:
        import torch.distributed as dist
    except ImportError:  # pragma: no cover - torch builds without distributed
        return 0, 1
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_summaries(local: MeterSummary, energy_scope: str, group: Any = None) -> MeterSummary:
    """Every rank's summary combined; a collective: call it on all ranks.

    Args:
        local: this rank's summary.
        energy_scope: what this rank's energy source measures (host and device).
        group: process group (None: the default group).

    Returns:
        The run total with per-rank detail (``local`` itself outside a process group).
    """
    _rank, world_size = distributed_context()
    if world_size <= 1:
        return local
    import torch.distributed as dist

    gathered: list[Any] = [None] * world_size
    dist.all_gather_object(gathered, (local.to_dict(), energy_scope), group=group)
    summaries = [MeterSummary.from_dict(item[0]) for item in gathered]
    scopes = [str(item[1]) for item in gathered]
    return combine_ranks(summaries, scopes)
