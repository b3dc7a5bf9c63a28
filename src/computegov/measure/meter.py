"""`ComputeMeter`: FLOP, time, utilisation and energy of a PyTorch training loop.

Counting every step with ``FlopCounterMode`` is exact but slow. The meter counts a step only
when its *signature* is new and reuses the count otherwise. The signature is learnt cheaply,
before the work runs, by a forward pre-hook on the root module: the module structure and
train/eval flags, each parameter's identity, shape, dtype and ``requires_grad``, autocast and
grad mode, and the shapes, dtypes and devices of the forward inputs, for every forward call
inside the step (gradient accumulation makes a sequence). When the first forward call of a step
has a new signature, counting starts right there and runs to the end of the step, so the
backward pass and the optimiser step are counted too.

Limits:

* matrix products run inside ``step()`` *before* the model's first forward call are counted
  only on counted steps (pass ``step(signature=...)`` to count from the step's start); the
  meter cannot see this happen;
* models whose op shapes depend on data values (dynamic MoE routing, early exit) need
  ``count="every"`` or a ``verify_fraction`` (a verified step that disagrees with the cache is
  listed in ``gaps``);
* a step whose sequence of forward signatures diverges part-way from every known one is
  counted from the divergence on and listed in ``gaps`` as inexact; later steps that start
  the same way are always counted (exact, at FlopCounterMode's cost);
* the precision for MFU is the one in use at the first forward call;
* ``torch.compile``d code is counted as ``FlopCounterMode`` counts it.

This module owns the meter's step lifecycle; its parts live beside it:
:mod:`~computegov.measure.accounting` (open step, interval totals, the FLOP cache by
signature), :mod:`~computegov.measure.timing` (clocks and CUDA events, s),
:mod:`~computegov.measure.peak` (chip, precision and peak FLOP/s for MFU),
:mod:`~computegov.measure.energy` (energy sources, J) and :mod:`~computegov.measure.records`
(the JSON-lines records), and :mod:`~computegov.measure.output` (the records, sink, energy
readings and gaps that :class:`ComputeMeter` emits, as its base class).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np
import torch

from computegov.catalog.chip import Chip, normalise_precision
from computegov.errors import InputError, MeterError
from computegov.measure.accounting import FlopCache, Interval, OpenStep
from computegov.measure.distributed import distributed_context, gather_summaries
from computegov.measure.energy import EnergySource, resolve_energy_source
from computegov.measure.flops import CAUSAL_CONVENTIONS, Counting, StepCount
from computegov.measure.output import MeterOutput
from computegov.measure.peak import detect_precision, resolve_chip
from computegov.measure.records import (
    RECORD_SCHEMA,
    RecordWriter,
    records_path,
)
from computegov.measure.signature import (
    count_model_params,
    forward_signature,
    static_signature,
    token_count,
)
from computegov.measure.summary import MeterSummary, summarize_records
from computegov.measure.timing import (
    device_timing,
    model_device,
    start_step_clock,
    stop_step_clock,
)

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = ["ComputeMeter", "count_model_params"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class ComputeMeter(MeterOutput):
    """Measures FLOP, time, utilisation and energy of the steps of a training loop.

    Example::

        meter = ComputeMeter(model, chip="H100 SXM")
        for batch in loader:
            with meter.step():
                loss = loss_fn(model(batch)); loss.backward(); opt.step(); opt.zero_grad()
        summary = meter.summary()

    A failure inside the meter never stops the loop it watches: it is logged and the step is
    marked as a gap in the records. Misuse the meter can see at once (nested ``step()``) raises
    :class:`~computegov.errors.MeterError`.

    Args:
        model: the root module; its forward pre-hook learns each step's signature.
        chip: a catalogue name (``"H100 SXM"``), a :class:`~computegov.catalog.Chip`,
            ``"auto"`` (the CUDA device's name, looked up in the catalogue) or None (no MFU).
        sink: called with every interval record (a JSON-ready dict), e.g. a ledger's append.
        records: path of a JSON-lines records file (``{rank}`` is replaced by the rank; other
            ranks than 0 get a ``.rank<N>`` suffix otherwise).
        precision: precision for the peak (``"bf16"``, ``"fp32"``...); None: the autocast dtype
            if autocast is on at the first forward call, else the parameters' dominant dtype
            (``"tf32"`` for FP32 on CUDA with TF32 matmuls allowed).
        peak_flop_per_s: dense peak of one device, FLOP/s, overriding the catalogue.
        causal_attention: ``"full"`` (FlopCounterMode's and PaLM's convention) or
            ``"causal_halved"``; the summary states it and reports both counts.
        count: ``"cached"`` (count new signatures only) or ``"every"`` (count every step).
        verify_fraction: share of cached steps re-counted at random to check the cache.
        seed: seed of the verification sampler.
        interval_steps: steps per interval record.
        energy: ``"auto"`` (NVML on CUDA, RAPL on CPU), None (off), or an energy source.
        tdp_estimate: also report TDP × wall time as a labelled estimate (needs the chip's TDP).
        tokens_per_step: tokens per step for 6·N·D; ``"auto"`` counts the elements of an
            integer-typed first forward input or ``input_ids=`` keyword (token ids) in every
            forward call of the step; None: unknown.
        model_params: N for 6·N·D; None: :func:`count_model_params`.
        catalog: catalogue for chip lookups (None: the bundled one).
        device: the device the steps run on (None: the model's first parameter's device).
        distributed: gather all ranks' totals in :meth:`summary` when a process group exists.

    Raises:
        UnknownNameError: the chip name is not in the catalogue.
        InputError: a bad option value.
        MeterError: the model is on a device that runs nothing (``meta``).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        chip: str | Chip | None = None,
        *,
        sink: Callable[[dict[str, Any]], Any] | None = None,
        records: str | Path | None = None,
        precision: str | None = None,
        peak_flop_per_s: float | None = None,
        causal_attention: str = "full",
        count: str = "cached",
        verify_fraction: float = 0.0,
        seed: int = 0,
        interval_steps: int = 10,
        energy: str | EnergySource | None = "auto",
        tdp_estimate: bool = False,
        tokens_per_step: int | str | None = "auto",
        model_params: int | None = None,
        catalog: Catalog | None = None,
        device: str | torch.device | None = None,
        distributed: bool = True,
    ) -> None:
        if causal_attention not in CAUSAL_CONVENTIONS:
            raise InputError(
                f"causal_attention must be one of {', '.join(CAUSAL_CONVENTIONS)}, got {causal_attention!r}"
            )
        if count not in ("cached", "every"):
            raise InputError(f"count must be 'cached' or 'every', got {count!r}")
        if not 0.0 <= verify_fraction <= 1.0:
            raise InputError(f"verify_fraction must be in [0, 1], got {verify_fraction}")
        if interval_steps < 1:
            raise InputError(f"interval_steps must be at least 1, got {interval_steps}")
        if precision is not None:
            try:
                precision = normalise_precision(precision)
            except KeyError as err:
                raise InputError(
                    f"unknown precision {precision!r}; expected e.g. bf16, fp16, tf32, fp32"
                ) from err
        self.model = model
        self.convention = causal_attention
        self.count_mode = count
        self.verify_fraction = verify_fraction
        self.interval_steps = interval_steps
        self._sink = sink
        self._rng = np.random.default_rng(seed)
        self._distributed = distributed
        self.rank, self.world_size = distributed_context()

        self.device = torch.device(device) if device is not None else model_device(model)
        if self.device.type == "meta":
            raise MeterError(
                "the model is on the 'meta' device: nothing runs there, so nothing can be timed"
            )
        self.timing_method, self._sync = device_timing(self.device)
        self._new_event: Callable[[], Any] = lambda: torch.cuda.Event(enable_timing=True)

        self._chip, self._chip_reason = resolve_chip(chip, catalog, self.device)
        self.precision: str | None = precision
        self._peak_given = peak_flop_per_s
        self._tokens_per_step = tokens_per_step
        self._model_params = model_params if model_params is not None else count_model_params(model)
        self._energy: EnergySource = resolve_energy_source(energy, self.device.type, self.device.index)
        self._tdp_estimate = tdp_estimate

        self._flops = FlopCache()
        self._step: OpenStep | None = None
        self._next_index = 0
        self._interval: Interval | None = None
        self._records: list[dict[str, Any]] = []
        self._errors_logged = 0
        self._pending_gaps: list[str] = []
        self._last_energy_j = float("nan")
        self._start_written = False
        self._precision_detected = False
        self._closed = False
        self._final: MeterSummary | None = None
        self._created_unix_s = time.time()
        self._writer: RecordWriter | None = None
        if records is not None:
            self._writer = RecordWriter(records_path(records, self.rank))
        self._hook = model.register_forward_pre_hook(self._pre_hook, with_kwargs=True)

    # ------------------------------------------------------------------ seams
    # Thin methods over the split-out modules: the meter's fault tests inject failures here.
    def _detect_precision(self) -> str | None:
        return detect_precision(self.model, self.device.type)

    def _account(self, interval: Interval, step: OpenStep, count: StepCount | None) -> None:
        """Add the step's FLOP (counted, cached or unknown) to the interval."""
        self._flops.account(interval, step, count)

    # ------------------------------------------------------------------ signatures
    def _static_signature(self) -> Any:
        return static_signature(self.model)

    def _forward_signature(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        return forward_signature(self.device.type, args, kwargs)

    def _should_verify(self) -> bool:
        return self.verify_fraction > 0.0 and bool(self._rng.random() < self.verify_fraction)

    def _start_counting(self, step: OpenStep, forward_number: int) -> None:
        counting = Counting()
        counting.start()
        step.counting = counting
        step.counted_from = forward_number

    def _pre_hook(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        step = self._step
        if step is None or step.error is not None:
            return None
        try:
            self._observe_forward(step, args, kwargs)
        except Exception as err:
            self._step_failed(step, f"signature hook failed: {err!r}")
        return None

    def _observe_forward(
        self, step: OpenStep, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> None:
        if self.precision is None and not self._precision_detected:
            self._precision_detected = True  # the first forward call decides (autocast is on now)
            self.precision = self._detect_precision()
        if step.tokens is None and self._tokens_per_step == "auto":
            found = token_count(args, kwargs)
            if found is not None:
                step.auto_tokens = (step.auto_tokens or 0) + found
        if step.key is not None:
            return  # the caller's key is the signature
        if not step.forwards:  # the model's structure, as a small int (one copy of each kept)
            static = self._static_signature()
            step.forwards.append(self._flops.static_id(static))
        step.forwards.append(self._forward_signature(args, kwargs))
        if step.counting is not None:
            return
        start = self._flops.count_start(
            step, count_every=self.count_mode == "every", should_verify=self._should_verify
        )
        if start is not None:
            self._start_counting(step, start)

    def _step_failed(self, step: OpenStep, message: str) -> None:
        step.error = message
        if step.counting is not None:
            counting, step.counting = step.counting, None
            try:
                counting.stop()
            except Exception as err:
                log.warning("ComputeMeter: stopping the FLOP counter failed: %r", err)

    # ------------------------------------------------------------------ steps
    def begin_step(self, *, tokens: int | None = None, signature: Any = None) -> None:
        """Open a step (for callback-style loops; prefer ``with meter.step():``).

        Args:
            tokens: tokens in this step, for 6·N·D (overrides ``tokens_per_step``).
            signature: a hashable key that determines the step's FLOP; with it the meter
                counts from the step's start the first time the key is seen and skips the
                forward-hook signature.
        """
        if self._closed:
            raise MeterError("the meter is closed; create a new ComputeMeter")
        if self._step is not None:
            open_index = self._step.index
            self._note_error(
                f"step {open_index} was not closed before step {self._next_index}; its FLOP are dropped"
            )
            self._step_failed(self._step, "not closed")
            self._step = None
        try:
            self._begin(tokens, signature)
        except Exception as err:
            log.warning("ComputeMeter: step start failed: %r", err)
            if self._step is None:
                self._step = OpenStep(self._next_index, signature, tokens)
                self._next_index += 1
            self._step_failed(self._step, f"step start failed: {err!r}")  # stops any counting

    def _begin(self, tokens: int | None, signature: Any) -> None:
        if tokens is None and isinstance(self._tokens_per_step, int):
            tokens = self._tokens_per_step
        step = OpenStep(self._next_index, signature, tokens)
        self._next_index += 1
        self._step = step  # from here on a failure marks this step (see begin_step)
        if self._interval is None:
            interval = self._interval = Interval(step.index, time.time(), float("nan"))
            interval.gaps.extend(self._pending_gaps)
            self._pending_gaps = []
            interval.energy0_j = (
                self._last_energy_j if np.isfinite(self._last_energy_j) else self._read_energy()
            )
        if signature is not None:
            key = ("key", signature)
            step.forwards.append(key)
            if self.count_mode == "every" or (key,) not in self._flops.counts or self._should_verify():
                self._start_counting(step, 0)
        elif self.count_mode == "every":
            self._start_counting(step, 0)
        start_step_clock(
            step, cuda=self.device.type == "cuda", new_event=self._new_event, sync=self._sync
        )

    def end_step(self, failed: BaseException | None = None) -> None:
        """Close the open step (for callback-style loops).

        Args:
            failed: the exception that ended the step early, if any (its FLOP are dropped).
        """
        t1 = time.perf_counter()
        step = self._step
        if step is None:
            log.warning("ComputeMeter: end_step() without begin_step(); ignored")
            return
        self._step = None
        try:
            self._end(step, t1, failed)
        except Exception as err:
            if step.counting is not None:  # never leave a FlopCounterMode on the dispatch stack
                self._step_failed(step, "meter failed at step end")
            if self._interval is not None:
                self._interval.flop_exact = False  # the step's FLOP may be missing
            self._note_error(f"step {step.index}: meter failed at step end: {err!r}")

    def _end(self, step: OpenStep, t1: float, failed: BaseException | None) -> None:
        interval = self._interval
        if interval is None:  # _begin failed before opening one
            interval = self._interval = Interval(step.index, step.wall0, float("nan"))
        interval.steps += 1  # first: whatever fails below, the step is in the records
        interval.last_step = step.index
        if failed is not None:
            step.error = step.error or f"raised {type(failed).__name__}"
        end_event, t1, timing_error = stop_step_clock(
            step, t1, new_event=self._new_event, sync=self._sync
        )
        if timing_error is not None:
            self._note_error(f"step {step.index}: {timing_error}")
        count: StepCount | None = None
        if step.counting is not None:
            counting, step.counting = step.counting, None
            try:
                count = counting.stop()
            except Exception as err:
                step.error = f"FLOP counter failed: {err!r}"
        interval.wall1 = time.time()
        if self._energy.available:
            interval.energy1_j = self._read_energy()  # the interval's energy ends with this step
        if end_event is not None:
            interval.pending_events.append((step.start_event, end_event))
        else:
            interval.seconds += t1 - step.t0
        tokens = step.tokens
        if tokens is None and self._tokens_per_step == "auto":
            tokens = step.auto_tokens
        if tokens is None or interval.tokens is None:
            interval.tokens = None
        else:
            interval.tokens += int(tokens)
        self._account(interval, step, count)
        if interval.steps >= self.interval_steps:
            self._flush()

    @contextmanager
    def step(self, *, tokens: int | None = None, signature: Any = None) -> Iterator[None]:
        """Measure the block as one training step (forward, backward, optimiser step).

        Args:
            tokens: tokens in this step, for 6·N·D.
            signature: optional hashable key that determines the step's FLOP (see
                :meth:`begin_step`).

        Raises:
            MeterError: ``step()`` is nested inside another open step.
        """
        if self._step is not None:
            raise MeterError(
                f"meter.step() nested inside step {self._step.index}: close a step before opening the next"
            )
        self.begin_step(tokens=tokens, signature=signature)
        try:
            yield
        except BaseException as err:
            self.end_step(failed=err)
            raise
        self.end_step()

    def track(self, func: Callable[P, R]) -> Callable[P, R]:
        """Decorator: each call of ``func`` (a training-step function) is one step."""

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.step():
                return func(*args, **kwargs)

        return wrapper

    # ------------------------------------------------------------------ results
    @property
    def records(self) -> tuple[dict[str, Any], ...]:
        """Every record emitted so far (start, intervals, summaries)."""
        return tuple(self._records)

    def local_summary(self) -> MeterSummary:
        """This rank's totals so far (flushes the open interval; no collective)."""
        if self._step is not None:
            log.warning(
                "ComputeMeter: summary() while step %d is open; that step is left out",
                self._step.index,
            )
        self._flush()
        return summarize_records(self._records)

    def summary(self) -> MeterSummary:
        """Totals so far; under ``torch.distributed`` a collective combining all ranks.

        Under a process group every rank must call it (as with any collective; calling it on
        rank 0 only waits for the others until the group's timeout): use
        :meth:`local_summary` for one rank's totals.

        Returns:
            A :class:`~computegov.measure.summary.MeterSummary`; per-rank detail in ``ranks``
            when several ranks were combined.
        """
        local = self.local_summary()
        result = local
        if self._distributed and self.world_size > 1:
            result = gather_summaries(local, self._energy.scope or f"rank{self.rank}")
        self._emit(
            {"kind": "summary", "schema": RECORD_SCHEMA, "rank": self.rank, **result.to_dict()},
            to_sink=False,
        )
        return result

    def close(self, *, gather: bool = True) -> MeterSummary:
        """Final summary; removes the hook and closes the records file.

        Args:
            gather: combine all ranks (a collective) when under ``torch.distributed``; False
                gives this rank's totals only (used when leaving on an exception).
        """
        if self._final is not None:
            return self._final  # closed already: the same totals, no second collective
        result = self.summary() if gather else self.local_summary()
        self._hook.remove()
        if self._writer is not None:
            self._writer.close()
        self._closed = True
        self._final = result
        return result

    def __enter__(self) -> ComputeMeter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close(gather=exc_type is None)
