"""The catalogue of AI accelerators: :class:`Chip` records, the :class:`Catalog`, and its loaders.

Bundled data: Epoch AI's "Machine Learning Hardware" table (CC-BY 4.0, snapshot in
``data/epoch_ml_hardware.csv``) with hand-curated, individually sourced corrections and additions
(``data/curated.yaml``). Users add or override chips with their own files (:func:`load_catalog`).

This module is the package's face; the code lives in :mod:`~computegov.catalog.chip` (the record),
:mod:`~computegov.catalog.catalog` (the set and its lookup), :mod:`~computegov.catalog.load`
(loading and importing), :mod:`~computegov.catalog.dirs` (the user's folders) and the readers
beside them.
"""

from __future__ import annotations

from computegov.catalog.anomalies import Anomaly
from computegov.catalog.catalog import Catalog
from computegov.catalog.chip import PRECISIONS, Chip, normalise_precision
from computegov.catalog.diff import CatalogDiff
from computegov.catalog.dirs import config_dir, data_dir
from computegov.catalog.epoch import EPOCH_ATTRIBUTION
from computegov.catalog.load import import_epoch_csv, load_catalog

__all__ = [
    "EPOCH_ATTRIBUTION",
    "PRECISIONS",
    "Anomaly",
    "Catalog",
    "CatalogDiff",
    "Chip",
    "config_dir",
    "data_dir",
    "import_epoch_csv",
    "load_catalog",
    "normalise_precision",
]
