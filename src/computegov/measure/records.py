"""JSON-lines records of a metered run: one ``meter_start``, ``interval`` records, ``summary``.

Every record is a flat JSON object with a ``kind`` and the ``schema`` tag
:data:`RECORD_SCHEMA`; quantities are SI with the unit in the key (``flop``, ``seconds``,
``energy_j``, ``time_start_unix_s``). FLOP are exact integers (JSON numbers of any size).
"""

from __future__ import annotations

import json
import logging
import math
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from computegov.errors import DataError
from computegov.jsonsafe import json_safe

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip
    from computegov.measure.accounting import Interval
    from computegov.measure.energy import EnergySource

__all__ = [
    "RECORD_SCHEMA",
    "RecordWriter",
    "interval_record",
    "read_records",
    "records_path",
    "start_record",
]

log = logging.getLogger(__name__)

RECORD_SCHEMA = "computegov.measure/v1"


class RecordWriter:
    """Appends records to a JSON-lines file, one flushed line per record.

    Args:
        path: the file; created (with parent folders) and truncated on first write.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def write(self, record: Mapping[str, Any]) -> None:
        """Write one record (NaN and infinity become null)."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(json.dumps(json_safe(record), allow_nan=False, sort_keys=True) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file (a later write reopens and truncates it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line; DataError at the first byte that is not UTF-8."""
    from computegov.catalog.textfile import decode_utf8
    from computegov.inputfiles import check_input_file  # a FIFO or device is refused, not read

    offset_bytes = 0
    with check_input_file(path, what="meter records file").open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = decode_utf8(raw, path=path, offset_bytes=offset_bytes, row=number)
            offset_bytes += len(raw)
            if line.strip():
                yield number, line


class _NonFiniteError(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON; Python's parser takes them unless told not to."""
    raise _NonFiniteError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as inf
        raise _NonFiniteError(text)
    return value


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Read a records file written by :class:`RecordWriter`.

    Args:
        path: the JSON-lines file.

    Returns:
        The records in file order.

    A last line cut short (no newline, not valid JSON: the run was killed while writing) is
    skipped with a warning, so the records of a crashed run can still be summarised.

    Raises:
        DataError: the file is missing, is not UTF-8, a line is not a JSON object, has no
            ``kind``, or holds NaN, Infinity or a number too large for a float.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError("is a directory; expected a JSON-lines file from ComputeMeter", path=path)
    if not path.is_file():
        what = "not a regular file" if path.exists() else "no such records file"
        raise DataError(f"{what}; expected a JSON-lines file from ComputeMeter", path=path)
    records: list[dict[str, Any]] = []
    for number, line in _iter_lines(path):
        try:
            record = json.loads(line, parse_constant=_refuse_constant, parse_float=_finite_float)
        except _NonFiniteError as err:
            raise DataError(f"not a finite number: {err}", path=path, row=number) from None
        except json.JSONDecodeError as err:
            if not line.endswith("\n"):  # only the last line can lack its newline
                log.warning(
                    "%s line %d: incomplete last record skipped (%s)", path, number, err.msg
                )
                break
            raise DataError(f"not valid JSON ({err.msg})", path=path, row=number) from err
        if not isinstance(record, dict) or "kind" not in record:
            raise DataError("expected a JSON object with a 'kind' field", path=path, row=number)
        records.append(record)
    return records


def records_path(records: str | Path, rank: int) -> Path:
    """The records file of ``rank``.

    ``{rank}`` in the name is replaced by the rank; without it, ranks other than 0 get a
    ``.rank<N>`` suffix.
    """
    text = str(records)
    if "{rank}" in text:
        return Path(text.format(rank=rank))
    path = Path(text)
    return path if rank == 0 else path.with_name(f"{path.name}.rank{rank}")


def interval_record(
    interval: Interval,
    *,
    rank: int,
    convention: str,
    precision: str | None,
    model_params: int,
    energy_unavailable_reason: str | None,
) -> dict[str, Any]:
    """The ``interval`` record of a closed interval (its CUDA event times already added).

    Args:
        interval: the interval's totals (see :class:`~computegov.measure.accounting.Interval`).
        rank: the process's rank.
        convention: causal-attention convention of the headline ``flop``.
        precision: precision in use, for the record.
        model_params: N of 6·N·D.
        energy_unavailable_reason: why energy is missing, when the interval's energy (J) is NaN.

    Returns:
        A JSON-ready dict: ``flop`` (FLOP), ``seconds`` (s), ``energy_j`` (J or None),
        ``time_start_unix_s``/``time_end_unix_s`` (Unix s), ``model_flop_6nd`` (FLOP or None)...
    """
    energy_j = interval.energy1_j - interval.energy0_j
    energy_ok = math.isfinite(energy_j)
    count = interval.count
    model_flop = (
        # C = 6·N·D training FLOP: Kaplan et al. 2020, arXiv:2001.08361, section 2.1
        6 * model_params * interval.tokens if interval.tokens is not None else None
    )
    return {
        "kind": "interval",
        "schema": RECORD_SCHEMA,
        "rank": rank,
        "step_first": interval.first_step,
        "step_last": interval.last_step,
        "steps": interval.steps,
        "flop": count.flop(convention),
        "flop_full_attention": count.flop_full_attention,
        "flop_causal_halved": count.flop_causal_halved,
        "flop_flopcounter_compatible": count.flop_flopcounter_compatible,
        "flop_beyond_flopcounter_by_op": dict(count.flop_beyond_flopcounter_by_op),
        "model_flop_6nd": model_flop,
        "tokens": interval.tokens,
        "counted_steps": interval.counted_steps,
        "flop_exact": interval.flop_exact,
        "seconds": interval.seconds,
        "time_start_unix_s": interval.wall0,
        "time_end_unix_s": interval.wall1,
        "energy_j": float(energy_j) if energy_ok else None,
        "energy_unavailable_reason": None
        if energy_ok
        else (energy_unavailable_reason or "energy read failed"),
        "precision": precision,
        "causal_attention_convention": convention,
        "gaps": list(interval.gaps),
    }


def start_record(
    *,
    rank: int,
    world_size: int,
    device: str,
    timing_method: str,
    chip: Chip | None,
    precision: str | None,
    peak_flop_per_s: float | None,
    mfu_unavailable_reason: str | None,
    convention: str,
    count_mode: str,
    energy: EnergySource,
    tdp_estimate: bool,
    model_params: int,
    created_unix_s: float,
) -> dict[str, Any]:
    """The ``meter_start`` record: what every later record of this rank is measured against.

    Args:
        rank: the process's rank.
        world_size: ranks in the group.
        device: device type (``cuda``, ``cpu``).
        timing_method: how step seconds are timed.
        chip: the chip MFU is computed for (None: unknown).
        precision: precision of the peak.
        peak_flop_per_s: dense peak of one device, FLOP/s (None: see the next field).
        mfu_unavailable_reason: why there is no peak, and so no MFU.
        convention: causal-attention convention.
        count_mode: ``cached`` or ``every``.
        energy: the energy source (its name, scope and why it is unavailable).
        tdp_estimate: whether TDP × time is reported as an estimate.
        model_params: N of 6·N·D.
        created_unix_s: when the meter was created, Unix s.
    """
    import torch  # the meter's own dependency; this module stays importable without it

    return {
        "kind": "meter_start",
        "schema": RECORD_SCHEMA,
        "rank": rank,
        "world_size": world_size,
        "host": socket.gethostname(),
        "device": device,
        "timing_method": timing_method,
        "chip": chip.name if chip else None,
        "precision": precision,
        "peak_flop_per_s": peak_flop_per_s,
        "mfu_unavailable_reason": mfu_unavailable_reason,
        "causal_attention_convention": convention,
        "count_mode": count_mode,
        "energy_source": energy.name,
        "energy_scope": energy.scope,
        "energy_unavailable_reason": None if energy.available else energy.reason,
        "tdp_w": chip.tdp_w if chip else None,
        "tdp_estimate": tdp_estimate,
        "model_params": model_params,
        "torch_version": torch.__version__,
        "time_unix_s": created_unix_s,
    }
