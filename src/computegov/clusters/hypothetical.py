"""Hypothetical systems for what-ifs: a country, a catalogue chip and a count become a :class:`ClusterSystem`."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from computegov.clusters.table import _SECTORS, ClusterSystem, country_code
from computegov.errors import InputError

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = ["H100E_REFERENCE", "hypothetical_system"]


#: Reference chip of H100-equivalents: H100 SXM's dense BF16 peak (Epoch's convention).
H100E_REFERENCE = "NVIDIA H100 SXM5 80GB"
_SIXTEEN_BIT = ("bf16", "fp16", "fp16_vector")


def _peak_16bit(chip: Any) -> float | None:
    values = [chip.peak_flop_per_s[p] for p in _SIXTEEN_BIT if p in chip.peak_flop_per_s]
    return max(values) if values else None


def hypothetical_system(
    name: str,
    country: str,
    chip: str,
    chip_count: float,
    first_operational: dt.date,
    *,
    catalog: Catalog | None = None,
    owner: str | None = None,
    sector: str | None = None,
) -> ClusterSystem:
    """A user-described system (for what-ifs), its 16-bit FLOP/s and H100e computed from the catalogue.

    Args:
        name: label.
        country: country name or ISO code.
        chip: catalogue chip name (forgiving lookup).
        chip_count: number of chips (>= 0).
        first_operational: first operational date.
        catalog: catalogue (None: the bundled one).
        owner: owner label.
        sector: private, public or public/private.

    Raises:
        InputError: unknown country, negative or non-finite chip count, unknown sector.
        UnknownNameError: unknown chip.
    """
    if not math.isfinite(chip_count) or chip_count < 0:
        raise InputError(f"chip_count: expected a non-negative number of chips, got {chip_count:g}")
    code = country_code(country)
    if sector is not None and sector.lower() not in _SECTORS:
        raise InputError(f"sector: expected one of {', '.join(_SECTORS)}, got {sector!r}")
    if catalog is None:
        from computegov.catalog import load_catalog

        catalog = load_catalog(user_config=False)
    record = catalog.get(chip)
    peak = _peak_16bit(record)
    reference = _peak_16bit(catalog.get(H100E_REFERENCE))
    flops = peak * chip_count if peak is not None else None
    h100e = flops / reference if flops is not None and reference else None
    return ClusterSystem(
        name=name, row=0, status="existing", certainty="confirmed", single_cluster=True, standard=True,
        first_operational=first_operational, country_name=country, country=code, owner=owner,
        sector=sector.lower() if sector else None, chip_type=chip, chip=record.name, chip_count=chip_count,
        total_chips=chip_count, h100e=h100e, flop_per_s_16bit=flops,
        source_url="user (hypothetical; facility power not estimated)",
    )
