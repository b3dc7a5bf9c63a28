"""Planning a replay audit: the ledger's segments, which to sample, and what the audit costs.

:func:`plan_replay` reads a report and its ledger, turns consecutive checkpoints into segments,
picks the segments with the largest weight updates plus a random sample, and prices the re-run
(:class:`AuditCost`: chip-hours and central USD via :mod:`computegov.costs`).
:func:`~computegov.ledger.replay.replay_report` then re-runs the plan; the method and its known
weaknesses are described in :mod:`computegov.ledger.replay`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError, LedgerError
from computegov.ledger.check_values import obj, where
from computegov.ledger.evidence import (
    DEFAULT_MAX_RECORD_BYTES,
    ReadLimits,
    locate,
    read_regular_file,
)
from computegov.ledger.report import ComputeReport, is_report_path, load_report, parse_report
from computegov.ledger.scan import scan_ledger

if TYPE_CHECKING:  # numpy is imported where a replay plan needs it, not by `computegov verify`
    import numpy as np
from computegov.ledger.segments import SegmentSpec, flat_params, load_state

__all__ = [
    "TRUSTED_TRAINER_PACKAGE",
    "AuditCost",
    "ReplayPlan",
    "audit_cost",
    "plan_replay",
    "trainer_is_trusted",
]


@dataclass(frozen=True)
class AuditCost:
    """What replaying the sampled segments costs, stated before replaying.

    Attributes:
        segments: segments to replay (including the calibration repeat).
        steps: training steps to re-run.
        share_of_run: ``steps / total steps`` of the original run.
        chip_hours: ``share_of_run x`` the run's chip-hours (same hardware assumed).
        usd: central cost in USD via :mod:`computegov.costs` (None when unavailable).
        usd_note: how the USD figure was obtained or why it is missing.
    """

    segments: int
    steps: int
    share_of_run: float
    chip_hours: float | None
    usd: float | None
    usd_note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "segments": self.segments,
            "steps": self.steps,
            "share_of_run": self.share_of_run,
            "chip_hours": self.chip_hours,
            "usd": self.usd,
            "usd_note": self.usd_note,
        }


@dataclass(frozen=True)
class ReplayPlan:
    """The segments chosen for replay and what they cost.

    Attributes:
        segments: sampled segments, in step order.
        total_segments: segments in the run.
        cost: the audit cost.
        sample_rate: requested fraction of segments.
    """

    segments: tuple[SegmentSpec, ...]
    total_segments: int
    cost: AuditCost
    sample_rate: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "segments": [s.to_dict() for s in self.segments],
            "total_segments": self.total_segments,
            "sample_rate": self.sample_rate,
            "cost": self.cost.to_dict(),
        }


#: Replay trainers under this package run without being named in ``trust_trainers``.
TRUSTED_TRAINER_PACKAGE = "computegov"


def trainer_is_trusted(ref: str, trust_trainers: Sequence[str] = ()) -> bool:
    """Whether replay may import ``ref`` (``module:Class``) from a ledger's replay spec.

    A ledger comes from the party being audited, and replaying imports and runs the trainer it
    names on the auditor's machine: only computegov's own trainers, and those the auditor
    names explicitly, are accepted.
    """
    module = ref.partition(":")[0]
    own = module == TRUSTED_TRAINER_PACKAGE or module.startswith(TRUSTED_TRAINER_PACKAGE + ".")
    return own or ref in trust_trainers


def _checkpoint_path(base: Path, name: str, where_: str) -> str:
    """The file a ledger's checkpoint path names, inside ``base``.

    A missing file is returned as is (the segment is then reported missing, and the replay
    incomplete); a path that escapes ``base`` or names a directory, device or FIFO is refused.

    Raises:
        LedgerError: the path is refused (see :func:`~computegov.ledger.evidence.locate`).
    """
    loc = locate(base, name)
    if loc.state == "refused" or loc.path is None:
        raise LedgerError(f"{where_}: checkpoint path {name!r} refused: {loc.reason}")
    return str(loc.path)


def _segments_from(
    report: ComputeReport,
    ledger_bytes: bytes,
    base: Path,
    trust_trainers: Sequence[str] = (),
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> list[SegmentSpec]:
    scan = scan_ledger(ledger_bytes, max_record_bytes=max_record_bytes)
    if not scan.ok:
        raise LedgerError(f"ledger is damaged, refusing to replay: {scan.problems[0]}")
    if obj(report.predicate.get("ledger")).get("head_hash") != scan.head_hash:
        raise LedgerError("the report does not belong to this ledger (head hash differs)")
    spec = obj(scan.records[0].data.get("metadata")).get("replay")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("trainer"), str):
        raise InputError(
            "the ledger has no replay spec (metadata.replay.trainer): nothing to re-run"
        )
    if not trainer_is_trusted(spec["trainer"], trust_trainers):
        raise InputError(
            f"the ledger names replay trainer {spec['trainer']!r}; replaying imports and runs "
            "that code here. If you trust it, pass --trust-trainer "
            f"{spec['trainer']} (trust_trainers=[...])"
        )
    ckpts = []
    for i, r in enumerate(scan.records):
        if r.kind != "checkpoint" or not r.data.get("path"):
            continue
        if type(r.data.get("step")) is not int or not isinstance(r.data["path"], str):
            raise LedgerError(f"{where(scan, i)}: checkpoint step or path is malformed")
        ckpts.append({**r.data, "path": _checkpoint_path(base, r.data["path"], where(scan, i))})
    batches = {
        r.data["step"]: str(r.data.get("digest"))
        for r in scan.records
        if r.kind == "batch" and type(r.data.get("step")) is int
    }
    segments = []
    for i, (a, b) in enumerate(itertools.pairwise(ckpts)):
        if b["step"] <= a["step"]:
            continue
        segments.append(
            SegmentSpec(
                index=i,
                start_step=int(a["step"]),
                end_step=int(b["step"]),
                start_path=a["path"],
                end_path=b["path"],
                start_file_sha256=obj(a.get("file")).get("sha256"),
                end_file_sha256=obj(b.get("file")).get("sha256"),
                end_state_blake3=obj(b.get("state")).get("blake3"),
                batch_digests={s: d for s, d in batches.items() if a["step"] <= s < b["step"]},
                trainer=str(spec["trainer"]),
                config=obj(spec.get("config")),
            )
        )
    if not segments:
        raise InputError("the ledger records fewer than two checkpoints: no segment to replay")
    return segments


def _update_norms(segments: Sequence[SegmentSpec]) -> list[float]:
    """||w_end - w_start|| of each segment from the claimed checkpoints (inf if unreadable)."""
    import numpy as np

    norms = []
    cache: dict[str, np.ndarray] = {}

    def flat(path: str) -> np.ndarray:
        if path not in cache:
            state = load_state(path)
            model = state.get("model", state) if isinstance(state, Mapping) else state
            cache[path] = flat_params(model)
        return cache[path]

    for s in segments:
        try:
            a, b = flat(s.start_path), flat(s.end_path)
            norms.append(float(np.linalg.norm(b - a)) if a.shape == b.shape else math.inf)
        except Exception:  # unreadable checkpoint: sample it (it will fail with the reason)
            norms.append(math.inf)
    return norms


def audit_cost(report: ComputeReport, steps: int, segments: int) -> AuditCost:
    """Chip-hours, USD (central, via :mod:`computegov.costs` when possible) and share of the run."""
    totals = report.totals
    total_steps = totals.get("steps")
    share = steps / total_steps if type(total_steps) is int and total_steps > 0 else math.nan
    run_chip_hours = totals.get("chip_hours")
    chip_hours = (
        share * run_chip_hours
        if isinstance(run_chip_hours, int | float) and math.isfinite(share)
        else None
    )
    usd: float | None = None
    note = "no USD: chip-hours unknown"
    if chip_hours is not None:
        chip_name = obj(report.predicate.get("hardware")).get("chip")
        try:
            from computegov.catalog import load_catalog
            from computegov.costs import chip_hour_price

            chip = load_catalog().get(str(chip_name))
            per_hour = chip_hour_price(chip)
            usd = chip_hours * float(per_hour.total_usd.central)
            note = (
                f"central {per_hour.mode} cost of {chip.name}, "
                f"{float(per_hour.total_usd.central):.3g} USD {per_hour.dollar_year}/chip-hour "
                f"({per_hour.price_source})"
            )
        except Exception as err:  # costs module missing or chip unpriced: chip-hours only
            note = f"no USD figure ({err}); chip-hours only"
    return AuditCost(segments, steps, share, chip_hours, usd, note)


def plan_replay(
    report: bytes | str | Path | ComputeReport,
    ledger: bytes | str | Path,
    *,
    sample_rate: float = 0.1,
    largest: int = 1,
    rng: np.random.Generator | None = None,
    checkpoints_dir: str | Path | None = None,
    trust_trainers: Sequence[str] = (),
    limits: ReadLimits | None = None,
) -> ReplayPlan:
    """Choose segments to replay and state what the audit will cost.

    Args:
        report: the report (path, bytes or object).
        ledger: the ledger (path or bytes).
        sample_rate: fraction of segments to replay (at least one).
        largest: how many of them are the segments with the largest weight updates.
        rng: random generator for the random picks (default: seeded 0).
        checkpoints_dir: the directory checkpoint paths are resolved under (default: the
            ledger's directory); a path escaping it is refused.
        limits: size caps on the ledger and its records (default :class:`ReadLimits`).
        trust_trainers: ``module:Class`` replay trainers outside computegov that the auditor
            trusts to run (see :func:`trainer_is_trusted`).

    Raises:
        InputError: bad sample rate, no replay spec, an untrusted trainer, too few checkpoints.
        LedgerError: unreadable/damaged ledger, a report for another ledger, or a checkpoint
            path that escapes the checkpoint directory.
    """
    if not 0.0 < sample_rate <= 1.0:
        raise InputError(f"sample rate must be in (0, 1], got {sample_rate}")
    if type(largest) is not int or largest < 0:
        raise InputError(f"largest must be a count >= 0, got {largest!r}")
    if isinstance(report, ComputeReport | bytes):
        rep = parse_report(report)
    elif is_report_path(report):
        rep = load_report(report)
    else:
        rep = parse_report(str(report))  # JSON text
    limits = limits or ReadLimits()
    if isinstance(ledger, bytes):
        if len(ledger) > limits.max_file_bytes:
            raise LedgerError(f"ledger is {len(ledger)} bytes, over the cap of {limits.max_file_bytes}")
        data, base = ledger, Path(checkpoints_dir) if checkpoints_dir else Path.cwd()
    else:
        try:
            data = read_regular_file(ledger, limits.max_file_bytes, "ledger")
        except InputError as err:
            raise LedgerError(str(err)) from err
        base = Path(checkpoints_dir) if checkpoints_dir else Path(ledger).parent
    segments = _segments_from(rep, data, base, trust_trainers, limits.max_record_bytes)
    n = max(1, math.ceil(sample_rate * len(segments)))
    if rng is None:
        import numpy as np

        rng = np.random.default_rng(0)
    chosen: dict[int, str] = {}
    if largest > 0:
        norms = _update_norms(segments)
        for i in sorted(range(len(segments)), key=lambda i: -norms[i])[: min(largest, n)]:
            chosen[i] = "largest update"
    rest = [i for i in range(len(segments)) if i not in chosen]
    k = n - len(chosen)
    if k > 0 and rest:
        for i in rng.choice(rest, size=min(k, len(rest)), replace=False):
            chosen[int(i)] = "random"
    picked = tuple(
        SegmentSpec(**{**segments[i].__dict__, "reason": chosen[i]}) for i in sorted(chosen)
    )
    steps = sum(s.end_step - s.start_step for s in picked)
    # + the calibration repeat of the first segment
    steps_total = steps + (picked[0].end_step - picked[0].start_step)
    cost = audit_cost(rep, steps_total, len(picked) + 1)
    return ReplayPlan(picked, len(segments), cost, sample_rate)
