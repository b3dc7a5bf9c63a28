"""Headline figures of the AI-supercomputer table, the ones the CLI summary and the report show.

One function, :func:`headline`, so ``computegov clusters summary --json``, the Python API and the
report section give the same numbers for the same date, set and seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from computegov.clusters.leading import DEFAULT_SINCE, fit_leading
from computegov.clusters.stocks import FilterStep, filter_systems, stocks
from computegov.clusters.table import CLUSTERS_ATTRIBUTION, ClusterSystem, load_clusters
from computegov.errors import InputError

__all__ = ["DEFAULT_DATE", "PUBLISHED", "headline", "select_set", "share_population"]

#: Pilz et al. report shares "in early 2025"; their data run to March 2025.
DEFAULT_DATE = dt.date(2025, 3, 1)

#: Pilz, Sanders, Rahman & Heim (2025), "Trends in AI Supercomputers", arXiv:2504.16026 (v1, 2025-04-22;
#: accessed 2026-12-04): abstract and sections 3.1-3.5.
PUBLISHED: dict[str, Any] = {
    "source": "Pilz et al. (2025), Trends in AI Supercomputers, arXiv:2504.16026",
    "performance_doubling_months": 9,
    "power_doubling_months": 12,
    "hardware_cost_doubling_months": 12,
    "share_us": 0.75,
    "share_cn": 0.15,
}

SETS = ("standard", "all")

#: What each stock metric's share is a share of, in words (the same systems give different shares
#: by metric: a system without a figure for the metric is left out of that metric's total).
METRIC_WORDS: dict[str, str] = {
    "flop_per_s_16bit": "16-bit FLOP/s",
    "h100e": "H100-equivalents",
    "power_w": "power (W)",
    "hardware_cost_usd": "hardware cost (USD)",
    "chip_count": "chips",
}


def share_population(table: dict[str, Any], set_: str) -> str:
    """The population a share is of, in words: metric, date, set, systems counted and left out.

    Args:
        table: a stock table's ``to_dict()`` (``metric``, ``date``, ``n_systems``, ``n_without_metric``).
        set_: the set of systems (``standard`` or ``all``).

    Returns:
        e.g. ``share of 16-bit FLOP/s of 426 operational systems (standard set) on 2025-03-01;
        37 without a 16-bit FLOP/s figure not counted``.
    """
    words = METRIC_WORDS.get(str(table.get("metric")), str(table.get("metric")))
    text = (f"share of {words} of {table.get('n_systems')} operational systems ({set_} set) "
            f"on {table.get('date')}")
    missing = table.get("n_without_metric") or 0
    return text + (f"; {missing} without a {words} figure not counted" if missing else "")


def select_set(systems: Sequence[ClusterSystem], set_: str) -> tuple[tuple[ClusterSystem, ...], tuple[FilterStep, ...]]:
    """``standard``: Epoch's standard-analysis rows (as Pilz et al.); ``all``: every row.

    Raises:
        InputError: unknown set.
    """
    if set_ not in SETS:
        raise InputError(f"set: expected one of {', '.join(SETS)}, got {set_!r}")
    return filter_systems(systems, standard=set_ == "standard")


def headline(
    systems: Sequence[ClusterSystem] | None = None,
    *,
    date: dt.date = DEFAULT_DATE,
    set_: str = "standard",
    seed: int = 0,
    n_boot: int = 2000,
) -> dict[str, Any]:
    """Doubling times of the leading systems' performance, power and cost, and country shares.

    Args:
        systems: the systems (None: the bundled table).
        date: stock date, and last first-operational date in the fits.
        set_: ``standard`` or ``all`` (see :func:`select_set`).
        seed: bootstrap seed.
        n_boot: bootstrap resamples.

    Returns:
        A JSON-ready dict: ``leading_performance``, ``leading_power``, ``leading_hardware_cost``
        (each :meth:`LeadingTrend.to_dict`), ``leading`` (the three as rows: doubling time, its
        interval and the published figure, months), ``country_shares`` ({ISO code: share of 16-bit
        FLOP/s}), ``country_stocks``, ``share_population`` (what the shares are of, in words:
        :func:`share_population`), ``filters``, ``published`` and ``attribution``.
    """
    pool, steps = select_set(systems if systems is not None else load_clusters().systems, set_)
    trends = {
        m: fit_leading(pool, m, since=DEFAULT_SINCE, until=date, seed=seed, n_boot=n_boot)
        for m in ("flop_per_s_16bit", "power_w", "hardware_cost_usd")
    }
    shares = stocks(pool, date, by="country", metric="flop_per_s_16bit")
    return {
        "date": date.isoformat(),
        "set": set_,
        "n_systems": len(pool),
        "filters": [s.to_dict() for s in steps],
        "leading_performance": trends["flop_per_s_16bit"].to_dict(),
        "leading_power": trends["power_w"].to_dict(),
        "leading_hardware_cost": trends["hardware_cost_usd"].to_dict(),
        "leading": [  # the three fits as table rows (the dashboard's and the CSV's)
            {
                "metric": t["metric"],
                "unit": t["unit"],
                "n": t["n"],
                "doubling_time_months": t["doubling_time_months"],
                "doubling_time_ci_low_months": t["doubling_time_ci_months"][0],
                "doubling_time_ci_high_months": t["doubling_time_ci_months"][1],
                "published_doubling_months": PUBLISHED[key],
            }
            for t, key in (
                (trends["flop_per_s_16bit"].to_dict(), "performance_doubling_months"),
                (trends["power_w"].to_dict(), "power_doubling_months"),
                (trends["hardware_cost_usd"].to_dict(), "hardware_cost_doubling_months"),
            )
        ],
        "country_shares": {r.group: r.share for r in shares.rows},
        "country_stocks": shares.to_dict(),
        "share_population": share_population(shares.to_dict(), set_),
        "published": PUBLISHED,
        "attribution": CLUSTERS_ATTRIBUTION,
    }
