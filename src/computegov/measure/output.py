"""The meter's output side: records, the sink, energy readings and the gaps that failures leave.

:class:`MeterOutput` is the part of :class:`~computegov.measure.meter.ComputeMeter` that turns
closed intervals into records (:mod:`~computegov.measure.records` builds them), writes them to
the records file and the sink, reads the energy counter (J) at interval edges, and notes
failures as gaps. It never raises: a failure here must not stop the training loop it watches.
The step lifecycle that fills the intervals stays in :mod:`~computegov.measure.meter`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from computegov.measure.peak import peak_flop_per_s
from computegov.measure.records import interval_record, start_record
from computegov.measure.timing import add_event_seconds

if TYPE_CHECKING:
    import torch

    from computegov.catalog.chip import Chip
    from computegov.measure.accounting import Interval
    from computegov.measure.energy import EnergySource
    from computegov.measure.records import RecordWriter

__all__ = ["MeterOutput"]

log = logging.getLogger("computegov.measure.meter")


class MeterOutput:
    """Records, sink, energy and gaps of a meter (a base class of ``ComputeMeter``).

    The attributes below are set by ``ComputeMeter.__init__``.
    """

    rank: int
    world_size: int
    device: torch.device
    timing_method: str
    convention: str
    count_mode: str
    precision: str | None
    _chip: Chip | None
    _chip_reason: str | None
    _peak_given: float | None
    _tdp_estimate: bool
    _model_params: int
    _created_unix_s: float
    _energy: EnergySource
    _records: list[dict[str, Any]]
    _writer: RecordWriter | None
    _sink: Callable[[dict[str, Any]], Any] | None
    _interval: Interval | None
    _pending_gaps: list[str]
    _errors_logged: int
    _last_energy_j: float
    _start_written: bool

    def _detect_precision(self) -> str | None:  # overridden by the meter
        raise NotImplementedError

    def _emit(self, record: dict[str, Any], to_sink: bool) -> None:
        self._records.append(record)
        if self._writer is not None:
            try:
                self._writer.write(record)
            except Exception as err:
                self._note_error(f"records file write failed: {err!r}")
        if to_sink and self._sink is not None:
            try:
                self._sink(record)
            except Exception as err:
                self._note_error(
                    f"sink failed on record for steps {record.get('step_first')}-{record.get('step_last')}: {err!r}"
                )

    def _start_record(self) -> None:
        try:
            if self.precision is None:
                self.precision = self._detect_precision()
            peak, reason = peak_flop_per_s(
                self._peak_given, self._chip, self._chip_reason, self.precision
            )
        except Exception as err:  # the start record must be written: summaries need it
            self._note_error(f"precision or peak lookup failed: {err!r}")
            peak, reason = None, f"precision or peak lookup failed: {err!r}"
        self._emit(
            start_record(
                rank=self.rank,
                world_size=self.world_size,
                device=self.device.type,
                timing_method=self.timing_method,
                chip=self._chip,
                precision=self.precision,
                peak_flop_per_s=peak,
                mfu_unavailable_reason=reason,
                convention=self.convention,
                count_mode=self.count_mode,
                energy=self._energy,
                tdp_estimate=self._tdp_estimate,
                model_params=self._model_params,
                created_unix_s=self._created_unix_s,
            ),
            to_sink=False,
        )

    def _read_energy(self) -> float:
        if not self._energy.available:
            return float("nan")
        try:
            return self._energy.read_j()
        except Exception as err:
            self._note_error(f"energy read failed: {err!r}")
            return float("nan")

    def _flush(self) -> None:
        if not self._start_written:
            self._start_written = True
            self._start_record()
        interval = self._interval
        if interval is None or interval.steps == 0:
            return
        self._interval = None
        interval.seconds, event_gaps = add_event_seconds(interval.seconds, interval.pending_events)
        interval.gaps.extend(event_gaps)
        energy1 = interval.energy1_j
        record = interval_record(
            interval,
            rank=self.rank,
            convention=self.convention,
            precision=self.precision,
            model_params=self._model_params,
            energy_unavailable_reason=self._energy.reason,
        )
        self._last_energy_j = energy1
        self._emit(record, to_sink=True)

    def _note_error(self, message: str) -> None:
        if self._errors_logged < 20:
            log.warning("ComputeMeter: %s", message)
            self._errors_logged += 1
        if self._interval is not None:
            self._interval.gaps.append(message)
        else:
            self._pending_gaps.append(message)
