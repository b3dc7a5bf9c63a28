"""The reference runs that calibrate the compute-estimation routes, and their loader.

``data/compute_reference_runs.yaml`` holds published training runs whose parameters and tokens
the developer stated (and, for some, the chip, chip count, chip-hours and model-FLOP utilisation),
beside a published compute figure with its source. :func:`load_reference_runs` reads and checks
it; the error models fitted on it are in :mod:`computegov.compute.routes`, which re-exports these
names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from computegov.errors import DataError
from computegov.inputyaml import load_bundled_yaml

__all__ = ["ReferenceRun", "load_reference_runs"]

_FILE = "compute_reference_runs.yaml"


@dataclasses.dataclass(frozen=True)
class ReferenceRun:
    """A published training run with its stated inputs and compute.

    Attributes:
        name: model name.
        developer: who trained it.
        published: publication date.
        params: total parameters.
        active_params: parameters active per token (mixture-of-experts), or None.
        tokens: tokens processed in training.
        compute_flop: the published training compute, FLOP.
        compute_source: ``developer`` or ``epoch``.
        epoch_method: Epoch AI's estimation method for ``epoch`` figures ("" otherwise).
        chip: the chip's name, or "".
        peak_flop_per_s: dense 16-bit peak of one chip, FLOP/s, or None.
        chip_seconds: chips × wall time, s, or None.
        mfu_stated: (low, high) of the developer's stated model-FLOP utilisation, or None.
        sources: where each value comes from.
        epoch_model: the run's name in the bundled Epoch AI notable-models table ("" if none).
    """

    name: str
    developer: str
    published: dt.date
    params: float
    active_params: float | None
    tokens: float
    compute_flop: float
    compute_source: str
    epoch_method: str
    chip: str
    peak_flop_per_s: float | None
    chip_seconds: float | None
    mfu_stated: tuple[float, float] | None
    sources: tuple[str, ...]
    epoch_model: str = ""

    @property
    def compute_params(self) -> float:
        """Parameters doing work per token."""
        return self.active_params if self.active_params is not None else self.params

    @property
    def architecture_flop(self) -> float:
        """6·N·D, FLOP."""
        return 6.0 * self.compute_params * self.tokens

    @property
    def hardware_flop_at_peak(self) -> float | None:
        """Chip-seconds × peak (utilisation 1), FLOP, or None without hardware."""
        if self.chip_seconds is None or self.peak_flop_per_s is None:
            return None
        return self.chip_seconds * self.peak_flop_per_s


def _positive(row: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> float | None:
    value = row.get(key)
    if value is None:
        if required:
            raise DataError(f"{where}: field {key!r} is missing (expected a positive number)")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{where}: field {key!r} = {value!r} is not a number") from err
    if not (math.isfinite(number) and number > 0):
        raise DataError(f"{where}: field {key!r} = {value!r}: expected a positive number")
    return number


def _run_from_row(row: Mapping[str, Any], index: int) -> ReferenceRun:
    where = f"{_FILE} run {index + 1} ({row.get('name', '?')})"
    params = _positive(row, "params", where)
    tokens = _positive(row, "tokens", where)
    compute = _positive(row, "compute_flop", where)
    assert params is not None and tokens is not None and compute is not None
    source = str(row.get("compute_source", ""))
    if source not in ("developer", "epoch"):
        raise DataError(f"{where}: compute_source {source!r}: expected developer or epoch")
    chip_hours = _positive(row, "chip_hours", where, required=False)
    chips = _positive(row, "chips", where, required=False)
    days = _positive(row, "days", where, required=False)
    chip_seconds = chip_hours * 3600.0 if chip_hours else (chips * days * 86_400.0 if chips and days else None)
    mfu = row.get("mfu_stated")
    mfu_pair: tuple[float, float] | None = None
    if mfu is not None:
        pair = tuple(float(v) for v in (mfu if isinstance(mfu, list) else [mfu, mfu]))
        if len(pair) != 2 or not all(0 < v <= 1 for v in pair) or pair[0] > pair[1]:
            raise DataError(f"{where}: mfu_stated {mfu!r}: expected a fraction or [low, high] in (0, 1]")
        mfu_pair = (pair[0], pair[1])
    sources = tuple(str(s) for s in row.get("sources") or ())
    if not sources:
        raise DataError(f"{where}: no sources")
    published = row.get("published")
    try:
        date = published if isinstance(published, dt.date) else dt.date.fromisoformat(str(published))
    except ValueError as err:
        raise DataError(f"{where}: published {published!r}: expected YYYY-MM-DD") from err
    return ReferenceRun(
        name=str(row["name"]),
        developer=str(row.get("developer", "")),
        published=date,
        params=params,
        active_params=_positive(row, "active_params", where, required=False),
        tokens=tokens,
        compute_flop=compute,
        compute_source=source,
        epoch_method=str(row.get("epoch_method", "")),
        chip=str(row.get("chip", "")),
        peak_flop_per_s=_positive(row, "peak_flop_per_s", where, required=False),
        chip_seconds=chip_seconds,
        mfu_stated=mfu_pair,
        sources=sources,
        epoch_model=str(row.get("epoch_model", "")),
    )


def load_reference_runs(path: str | Path | None = None) -> tuple[ReferenceRun, ...]:
    """The reference runs (the bundled file by default).

    Raises:
        DataError: a run lacks a required field or has a bad value (named with its row).
    """
    if path is None:
        text = resources.files("computegov.data").joinpath(_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = load_bundled_yaml(text)
    rows = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise DataError(f"{path or _FILE}: expected a list under 'runs'")
    return tuple(_run_from_row(row, i) for i, row in enumerate(rows))
