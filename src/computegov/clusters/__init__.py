"""AI supercomputers: the Epoch "GPU Clusters" table, leading-system trends, compute stocks, export exposure.

Data: Epoch AI, "GPU Clusters" (CC-BY 4.0), bundled as ``data/gpu_clusters.csv`` (see
``data/gpu_clusters.SOURCES.md``); :data:`CLUSTERS_ATTRIBUTION` must accompany anything derived from it.
"""

from computegov.clusters.exposure import (
    CountryExposure,
    Exposure,
    SystemExposure,
    WhatIfThreshold,
    exposure,
    rule_in_force,
)
from computegov.clusters.leading import SELECTIONS, LeadingTrend, fit_leading, leading_systems
from computegov.clusters.reaching import crossing_distribution, leading_forecast
from computegov.clusters.stocks import (
    GROUPINGS,
    METRICS,
    FilterStep,
    Stock,
    StockTable,
    filter_systems,
    stocks,
    stocks_over_time,
)
from computegov.clusters.summary import headline
from computegov.clusters.table import (
    CLUSTERS_ATTRIBUTION,
    ClusterSystem,
    ClusterTable,
    ClusterWarning,
    country_code,
    load_clusters,
    parse_clusters_csv,
)
from computegov.clusters.thresholds import (
    EO14110_CLUSTER,
    ClusterThreshold,
    Crossing,
    FirstReaching,
    Hindcast,
    crossings,
    first_reaching,
    hindcast_first_reaching,
)

__all__ = [
    "CLUSTERS_ATTRIBUTION",
    "EO14110_CLUSTER",
    "GROUPINGS",
    "METRICS",
    "SELECTIONS",
    "ClusterSystem",
    "ClusterTable",
    "ClusterThreshold",
    "ClusterWarning",
    "CountryExposure",
    "Crossing",
    "Exposure",
    "FilterStep",
    "FirstReaching",
    "Hindcast",
    "LeadingTrend",
    "Stock",
    "StockTable",
    "SystemExposure",
    "WhatIfThreshold",
    "country_code",
    "crossing_distribution",
    "crossings",
    "exposure",
    "filter_systems",
    "first_reaching",
    "fit_leading",
    "headline",
    "hindcast_first_reaching",
    "leading_forecast",
    "leading_systems",
    "load_clusters",
    "parse_clusters_csv",
    "rule_in_force",
    "stocks",
    "stocks_over_time",
]
