"""Computing-cluster thresholds (in op/s), and (re-exported) when the first system of a given size is expected.

The only cluster threshold in a US instrument so far is EO 14110's reporting threshold, now
rescinded and kept as history with its dates (like the training-compute thresholds in
``data/thresholds.yaml``).

:func:`first_reaching` ("when is the first 1e6-H100e or 1 GW system expected?") and its hindcast
live in :mod:`computegov.clusters.reaching` (the trends module's calibrated record forecast); they
are re-exported here. Until 2026-12 they used a plain log-linear fit of the record-setting systems
whose nominal 90 % interval held in 4 of 15 H100e hindcasts; see docs/clusters.md for the new figure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from computegov.clusters.reaching import (
    HINDCAST_ORIGINS,
    FirstReaching,
    Hindcast,
    HindcastCase,
    first_reaching,
    hindcast_first_reaching,
)
from computegov.clusters.table import ClusterSystem

__all__ = [
    "EO14110_CLUSTER",
    "HINDCAST_ORIGINS",
    "ClusterThreshold",
    "Crossing",
    "FirstReaching",
    "Hindcast",
    "HindcastCase",
    "crossings",
    "first_reaching",
    "hindcast_first_reaching",
]


@dataclasses.dataclass(frozen=True)
class ClusterThreshold:
    """A computing-cluster threshold in operations per second."""

    id: str
    instrument: str
    legal_reference: str
    value_op_per_s: float
    conditions: str
    adopted: dt.date
    in_force_from: dt.date
    in_force_until: dt.date | None
    status: str
    sources: tuple[str, ...]

    def in_force_on(self, date: dt.date) -> bool:
        """Whether the threshold applied on ``date``."""
        return self.in_force_from <= date and (self.in_force_until is None or date < self.in_force_until)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        for key in ("adopted", "in_force_from", "in_force_until"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


#: EO 14110 § 4.2(b)(ii): reporting of computing clusters above 1e20 op/s; revoked by EO 14148.
EO14110_CLUSTER = ClusterThreshold(
    id="us-eo14110-computing-cluster",
    instrument="Executive Order 14110, Safe, Secure, and Trustworthy Development and Use of Artificial Intelligence",
    legal_reference="EO 14110 § 4.2(b)(ii), 88 Fed. Reg. 75191 (1 Nov 2023)",
    # § 4.2(b)(ii): "a set of machines physically co-located in a single datacenter, transitively
    # connected by data center networking of over 100 Gbit/s, and having a theoretical maximum
    # computing capacity of 10^20 integer or floating-point operations per second for training AI".
    value_op_per_s=1e20,
    conditions="machines co-located in one datacenter, networked at over 100 Gbit/s; theoretical maximum "
    "capacity for training AI (computegov tests Epoch's 'Max OP/s' of single-cluster systems)",
    adopted=dt.date(2023, 10, 30),
    in_force_from=dt.date(2023, 10, 30),
    in_force_until=dt.date(2025, 1, 20),
    status="revoked",
    sources=(
        "Executive Order 14110 of October 30, 2023, § 4.2(b)(ii), 88 FR 75191. "
        "https://www.federalregister.gov/documents/2023/11/01/2023-24283 (accessed 2026-12-04)",
        "Executive Order 14148 of January 20, 2025, Initial Rescissions of Harmful Executive Orders and "
        "Actions, 90 FR 8237, FR Doc. 2025-01901 (revokes EO 14110)",
    ),
)


@dataclasses.dataclass(frozen=True)
class Crossing:
    """A system at or over a cluster threshold."""

    system: str
    country: str | None
    max_op_per_s: float
    ratio: float
    first_operational: dt.date | None
    operational_while_in_force: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["first_operational"] = self.first_operational.isoformat() if self.first_operational else None
        return out


def crossings(
    systems: Iterable[ClusterSystem], threshold: ClusterThreshold = EO14110_CLUSTER, *, include_planned: bool = False
) -> tuple[Crossing, ...]:
    """Systems whose ``max_op_per_s`` is at or above the threshold, oldest first.

    ``operational_while_in_force``: first operational before the threshold lapsed and not
    decommissioned before it took effect (the system would have had to be reported).
    """
    out = []
    for s in systems:
        if s.max_op_per_s is None or s.max_op_per_s < threshold.value_op_per_s:
            continue
        if s.status == "planned" and not include_planned:
            continue
        live = (
            s.status != "planned"
            and s.first_operational is not None
            and (threshold.in_force_until is None or s.first_operational < threshold.in_force_until)
            and (s.decommissioned is None or s.decommissioned >= threshold.in_force_from)
        )
        out.append(Crossing(s.name, s.country, s.max_op_per_s, s.max_op_per_s / threshold.value_op_per_s,
                            s.first_operational, live))
    out.sort(key=lambda c: (c.first_operational or dt.date.max, c.system))
    return tuple(out)
