"""One verifier's audit of a registered report: check inputs, claim, replay, measure the cost, sign, post.

:func:`run_audit` is what ``computegov registry audit`` runs. Nothing is posted until every input
the verifier controls has been checked, so a mistake on the verifier's side never becomes a
logged verdict:

1. the pinned log key (``--pin-key``) must be the key the registry serves;
2. the report's envelope and ledger are downloaded from the registry API; how many segments to
   replay is given, or the hypergeometric audit budget
   (:func:`computegov.registry.auditbudget.segments_to_replay`) for a faked share ``f`` of the
   segments caught with probability ``>= confidence``; the segments are drawn uniformly at random
   *without* the "largest update" pick, because the budget's guarantee assumes a uniform draw;
3. every checkpoint file the drawn segments need must be in ``--checkpoints`` (a wrong folder is
   a user mistake, exit 2, not an *incomplete* verdict; ``allow_missing_checkpoints`` posts the
   incomplete verdict on purpose), and a trainer the verifier has not trusted is refused;
4. then the report is claimed (a ``claim`` leaf of the transparency log; the token must be a
   verifier's), the segments are replayed with the project's replay
   (:func:`computegov.ledger.replay.plan_replay` and :func:`~computegov.ledger.replay.replay_report`),
   in-process or on Ray, and the counter-verdict is signed with the verifier's Ed25519 key (DSSE,
   payload type :data:`~computegov.registry.logentries.COUNTER_VERDICT_TYPE`) and posted; a later
   audit by the same verifier supersedes it (a new logged entry);
5. the registry must show the posted verdict in its signed log (inclusion in the served tree head,
   signed by the pinned key when one is given).

**What the cost counts** (:func:`replay_cost`): the replayed segments' own compute, measured: the
sum of each segment's replay time (checkpoint digests and loads, the training steps, the
calibration repeat of the first segment) after torch and the trainer are imported, so neither the
CLI's start-up nor the HTTP calls are booked. Without ``--chip`` nothing is priced and the payload
says so (``usd_note``); with ``--chip`` the measured device-hours are priced at that chip's rate.

A report that cannot be replayed for a reason of its own (no ledger, no replay spec, fewer than two
checkpoints, a damaged ledger) is posted all the same (``incomplete`` or ``failed``): that is what
an independent verifier is for.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from computegov.errors import InputError, LedgerError
from computegov.registry.audit_client import RegistryClient
from computegov.registry.logentries import COUNTER_VERDICT_TYPE
from computegov.units import S_PER_HOUR

__all__ = ["AuditResult", "ReplayCost", "check_pinned_key", "counter_envelope", "replay_cost", "run_audit",
           "segments_for_audit"]


@dataclasses.dataclass(frozen=True)
class ReplayCost:
    """What a replay cost: seconds (s), chip-hours, energy (J), USD of ``usd_year``; with how each was got."""

    wall_s: float
    device_s: float
    chip_hours: float
    energy_j: float | None
    energy_measured: bool
    energy_note: str
    usd: float | None
    usd_year: int | None
    usd_note: str
    chip: str | None


def replay_cost(wall_s: float, device_s: float, chip: Any, measured_energy_j: float | None,
                energy_note: str) -> ReplayCost:
    """Device-hours (``device_s / 3600``), energy and USD of a replay.

    Energy is the measured counter reading when there is one, else (with a chip) the cost model's
    facility energy per chip-hour of ``chip`` times the hours. USD is the hours times the cost
    model's central USD per chip-hour of ``chip`` (rental quote, else cost of ownership); without
    a chip nothing is priced, and ``usd_note`` says so.

    Args:
        wall_s: the replay's wall time, s.
        device_s: the replayed segments' own compute time summed over segments, s (see the module
            docstring: start-up and HTTP are not in it).
        chip: the :class:`~computegov.catalog.Chip` to price the replay on (None: not priced).
        measured_energy_j: energy read from a counter during the replay, J (None: not measured).
        energy_note: how it was measured, or why not.
    """
    hours = device_s / S_PER_HOUR
    energy, measured, note = measured_energy_j, measured_energy_j is not None, energy_note
    usd = year = None
    usd_note = (f"not priced: no --chip given. The replay took {device_s:.4g} s of compute on the verifier's "
                "own machine; give --chip NAME to price those hours on a catalogued chip")
    if chip is not None:
        from computegov.costs import MissingCostDataError, chip_hour_price

        try:
            per_hour = chip_hour_price(chip)
        except MissingCostDataError as err:
            usd_note = f"not priced: {err}"
        else:
            usd, year = hours * float(per_hour.total_usd.central), per_hour.dollar_year
            usd_note = (f"{hours:.4g} device-hours (the replayed segments' measured compute) x "
                        f"{float(per_hour.total_usd.central):.3g} USD {year}/chip-hour, central {per_hour.mode} cost "
                        f"of {chip.name} (--chip; {per_hour.price_source})")
            if energy is None and per_hour.energy_j is not None:
                energy = hours * float(per_hour.energy_j.central)
                note = f"estimated: {hours:.4g} device-hours x the cost model's facility energy per {chip.name}-hour"
    return ReplayCost(wall_s, device_s, hours, energy, measured, note, usd, year, usd_note,
                      getattr(chip, "name", None))


def segments_for_audit(total_segments: int, *, segments: int | None = None, fake_fraction: float | None = None,
                       confidence: float | None = None) -> int:
    """How many of ``total_segments`` to replay: ``segments`` (capped at the total), or the audit budget.

    Raises:
        InputError: both or neither given, or a value out of range.
    """
    if (segments is None) == (fake_fraction is None):
        raise InputError("give either --segments N or --fake-fraction F (with --confidence 1-delta)")
    if segments is not None:
        if segments < 1:
            raise InputError(f"--segments: expected a whole number >= 1, got {segments}")
        return min(segments, total_segments)
    from computegov.registry.auditbudget import segments_to_replay

    assert fake_fraction is not None
    conf = 0.95 if confidence is None else confidence
    return segments_to_replay(total_segments, fake_fraction, 1.0 - conf)


def counter_envelope(payload: dict[str, Any], signer: Any) -> dict[str, Any]:
    """A DSSE envelope of ``payload`` (canonical JSON) signed by ``signer`` (:class:`~computegov.ledger.signing.Signer`)."""
    from computegov.ledger.signing import dsse_envelope

    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
    return dsse_envelope(COUNTER_VERDICT_TYPE, raw, signer)


@dataclasses.dataclass(frozen=True)
class AuditResult:
    """An audit: the claim, the signed payload, the registry's answer, whether the leaf is included."""

    digest: str
    claim: dict[str, Any]
    payload: dict[str, Any]
    posted: dict[str, Any]
    included: bool
    inclusion_note: str
    replay: dict[str, Any] | None

    @property
    def exit_code(self) -> int:
        """0 only when the replay verified and the posted verdict is in the log; else 1."""
        return 0 if self.payload["outcome"] == "verified" and self.included else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self) | {"exit_code": self.exit_code}


def _measure_energy() -> Any:
    from computegov.measure.energy import auto_energy_source

    return auto_energy_source("cpu", None)


def _warm_up(plan: Any) -> None:
    """Import torch and each planned trainer's module, so the replay's clock counts compute, not imports."""
    import importlib

    with contextlib.suppress(ImportError):
        importlib.import_module("torch")
    for module in sorted({s.trainer.partition(":")[0] for s in plan.segments}):
        with contextlib.suppress(ImportError, ValueError):  # the replay reports it, as a failed segment
            importlib.import_module(module)


def _replay(plan: Any, ray_address: str | None) -> tuple[Any, float, float, float | None, str]:
    """Run the plan; (result, wall s, the segments' own compute s, measured J or None, energy note)."""
    from computegov.ledger.replay import replay_report

    if ray_address is None:
        _warm_up(plan)
    source = _measure_energy() if ray_address is None else None
    start_j = source.read_j() if source is not None and source.available else None
    t0 = time.perf_counter()
    result = replay_report(plan, ray_address=ray_address)
    wall_s = time.perf_counter() - t0
    measured = source.read_j() - start_j if source is not None and start_j is not None else None
    # each segment's own time; the first one's includes its calibration repeat (a second replay)
    device_s = float(sum(s.duration_s for s in result.segments))
    if source is not None:
        note = (f"measured: {source.name} counter ({source.scope}) over the replay" if measured is not None
                else f"not measured ({source.reason or 'no counter'})")
    else:
        note = "not measured (replayed on Ray workers)"
    return result, wall_s, device_s, measured, note


@dataclasses.dataclass(frozen=True)
class _Prepared:
    """What the audit will replay, or why nothing can be (a reason of the report's own)."""

    plan: Any
    total: int | None
    outcome: str
    notes: tuple[str, ...]


def _prepare(served: dict[str, Any], ledger: bytes | None, checkpoints_dir: Path, *, segments: int | None,
             fake_fraction: float | None, confidence: float | None, seed: int, trust_trainers: Sequence[str],
             allow_missing_checkpoints: bool) -> _Prepared:
    """Plan the replay and check the verifier's inputs; nothing is posted yet.

    Raises:
        InputError: the verifier's mistake: a trainer not trusted here (``--trust-trainer``), or
            checkpoint files the drawn segments need missing from ``checkpoints_dir``.
    """
    import numpy as np

    from computegov.ledger.replay import plan_replay

    if ledger is None:
        return _Prepared(None, None, "incomplete", ("the report was submitted without a ledger: nothing to replay",))
    report_bytes = _report_file(served)
    try:
        full = plan_replay(report_bytes, ledger, sample_rate=1.0, largest=0, checkpoints_dir=checkpoints_dir,
                           trust_trainers=tuple(trust_trainers))
        total = full.total_segments
        n = segments_for_audit(total, segments=segments, fake_fraction=fake_fraction, confidence=confidence)
        plan = plan_replay(report_bytes, ledger, sample_rate=(n - 0.5) / total, largest=0,
                           rng=np.random.default_rng(seed), checkpoints_dir=checkpoints_dir,
                           trust_trainers=tuple(trust_trainers))
    except LedgerError as err:
        return _Prepared(None, None, "failed", (f"the ledger cannot be replayed: {err}",))
    except InputError as err:
        if "--trust-trainer" in str(err):  # the verifier decides what runs on its machine: its call, not a verdict
            raise InputError(f"nothing was posted: {err}") from None
        return _Prepared(None, None, "incomplete", (f"nothing replayed: {err}",))
    needed = list(dict.fromkeys(p for s in plan.segments for p in (s.start_path, s.end_path)))
    missing = [p for p in needed if not Path(p).is_file()]
    if missing and not allow_missing_checkpoints:
        raise InputError(
            f"--checkpoints {checkpoints_dir}: {len(missing)} of the {len(needed)} checkpoint files the drawn segments "
            f"need are not there (first: {Path(missing[0]).name}); nothing was posted. Point --checkpoints at the "
            "folder the lab handed over, or pass --allow-missing-checkpoints to post an incomplete verdict")
    return _Prepared(plan, total, "incomplete", ())


def check_pinned_key(client: RegistryClient, pin_key: Any) -> None:
    """The registry must serve the pinned log key (checked before anything is posted).

    Raises:
        InputError: it serves another key, or none that parses.
    """
    if pin_key is None:
        return
    from cryptography.hazmat.primitives import serialization

    from computegov.registry import treehead

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    served_hex = str(client.json("GET", "/api/v1/log/key").get("public_key_hex", ""))
    try:
        served = treehead.parse_public_key(served_hex)
    except (ValueError, TypeError, InputError) as err:
        raise InputError(f"the registry's log key {served_hex[:80]!r} is not an Ed25519 key ({err}); nothing was "
                         "posted") from None
    if served.public_bytes(*raw) != pin_key.public_bytes(*raw):
        raise InputError(f"--pin-key: the registry serves log key {served.public_bytes(*raw).hex()}, not the pinned "
                         f"{pin_key.public_bytes(*raw).hex()}; nothing was posted")


def run_audit(client: RegistryClient, digest: str, signer: Any, checkpoints_dir: Path, *,
              ray_address: str | None = None, segments: int | None = None, fake_fraction: float | None = None,
              confidence: float | None = None, seed: int = 0, chip: Any = None,
              trust_trainers: Sequence[str] = (), pin_key: Any = None,
              allow_missing_checkpoints: bool = False) -> AuditResult:
    """Check inputs, claim, replay, price, sign and post a counter-verdict on report ``digest`` (see the module docstring).

    Args:
        client: the registry client, with a verifier organisation's token.
        digest: the report's digest (64 hex).
        signer: the verifier's :class:`~computegov.ledger.signing.Signer` (a registered key).
        checkpoints_dir: the folder holding the run's checkpoint files.
        ray_address: replay on Ray at this address; None in-process.
        segments: replay this many segments (capped at the run's); or
        fake_fraction: replay enough segments to catch a run that faked this share of them,
        confidence: with probability at least this (default 0.95).
        seed: seed of the uniform segment draw.
        chip: the :class:`~computegov.catalog.Chip` the replay's measured compute is priced on; None:
            not priced (the payload says so).
        trust_trainers: replay trainers (``module:Class``) allowed to run here besides computegov's.
        pin_key: the log's Ed25519 public key; the registry must serve it (checked first).
        allow_missing_checkpoints: post an *incomplete* verdict when checkpoint files are missing,
            instead of refusing before anything is posted.

    Raises:
        InputError: unreachable registry, unknown report (:class:`~computegov.registry.errors.NotFoundError`),
            a token that is not a verifier's, bad segment options, Ray missing or unreachable, a
            pinned key the registry does not serve, missing checkpoint files, an untrusted trainer.
    """
    segments_for_audit(1_000_000, segments=segments, fake_fraction=fake_fraction, confidence=confidence)
    check_pinned_key(client, pin_key)
    served = client.report(digest)
    ledger = client.ledger(digest)
    prepared = _prepare(served, ledger, checkpoints_dir, segments=segments, fake_fraction=fake_fraction,
                        confidence=confidence, seed=seed, trust_trainers=trust_trainers,
                        allow_missing_checkpoints=allow_missing_checkpoints)
    claim = client.claim(digest)
    outcome, notes, replay, result = prepared.outcome, list(prepared.notes), None, None
    cost = replay_cost(0.0, 0.0, chip, None, "nothing replayed")
    if prepared.plan is not None:
        result, wall_s, device_s, measured, note = _replay(prepared.plan, ray_address)
        outcome, replay = result.outcome, result.to_dict()
        cost = replay_cost(wall_s, device_s, chip, measured, note)
        notes += list(result.notes)
    total = prepared.total
    replayed = [s.spec.index for s in result.segments if not s.missing] if result is not None else []
    budget = (f"; hypergeometric budget for a faked share {fake_fraction:g} caught with probability >= "
              f"{0.95 if confidence is None else confidence:g}" if fake_fraction is not None else "")
    method = (f"computegov replay of {len(replayed)} of {total} segments drawn uniformly at random (seed {seed})"
              f"{budget}; {'Ray ' + ray_address if ray_address else 'in-process'}" if total is not None
              else "computegov registry audit: " + "; ".join(notes))[:500]
    payload = {"report": digest, "outcome": outcome, "segments": replayed, "segments_replayed": len(replayed),
               "segments_total": total, "chip_hours": cost.chip_hours, "energy_j": cost.energy_j,
               "energy_measured": cost.energy_measured, "usd": cost.usd, "usd_year": cost.usd_year,
               "method": method, "ray": ray_address, "wall_s": cost.wall_s, "device_s": cost.device_s,
               "seed": seed, "fake_fraction": fake_fraction,
               "confidence": (0.95 if confidence is None else confidence) if fake_fraction is not None else None,
               "chip": cost.chip, "priced": cost.usd is not None, "energy_note": cost.energy_note[:300],
               "usd_note": cost.usd_note[:300]}
    envelope = counter_envelope(payload, signer)
    posted = client.post_verdict(digest, envelope)
    included, note = _check_included(client, posted, payload, envelope, pin_key)
    return AuditResult(digest, claim, payload, posted, included, note, replay)


def _report_file(served: dict[str, Any]) -> bytes:
    """The report file's bytes: the served envelope in the ledger's canonical encoding."""
    from computegov.ledger.records import canonical_json

    return bytes(canonical_json(served.get("envelope") or {})) + b"\n"


def _check_included(client: RegistryClient, posted: dict[str, Any], payload: dict[str, Any],
                    envelope: dict[str, Any], pin_key: Any = None) -> tuple[bool, str]:
    """Whether the posted verdict's leaf commits to it and is in the registry's signed tree head.

    The tree head is checked against ``pin_key`` (an Ed25519 public key) when given; otherwise
    against the key the registry serves, which proves consistency but not the registry's identity.
    """
    from cryptography.hazmat.primitives import serialization

    from computegov.registry import monitor, treehead
    from computegov.registry.errors import LogProofError
    from computegov.registry.logentries import counter_entry

    def fetch(path: str) -> tuple[int, bytes]:
        return client.transport("GET", path, None)

    index = int(posted["counter_verdict"]["leaf_index"])
    served = treehead.parse_public_key(str(monitor.fetch_json(fetch, "/api/v1/log/key").get("public_key_hex", "")))
    key = served if pin_key is None else pin_key
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    if pin_key is not None and served.public_bytes(*raw) != pin_key.public_bytes(*raw):
        return False, (f"the registry serves log key {served.public_bytes(*raw).hex()}, "
                       f"not the pinned {pin_key.public_bytes(*raw).hex()}")
    mine = posted["counter_verdict"]
    try:
        head = treehead.TreeHead.from_dict(monitor.fetch_json(fetch, "/api/v1/log/sth"), where="signed tree head")
        treehead.verify_tree_head(head, key)
        entry, problems = monitor.logged_entry(fetch, index, head)
    except (LogProofError, KeyError, ValueError, TypeError) as err:
        return False, f"leaf {index} not shown to be in the signed tree: {err}"
    if problems:
        return False, "; ".join(problems)
    if entry != counter_entry(report_digest=mine["report"], by=mine["organisation"], signer_keyid=mine["signer_keyid"],
                              outcome=mine["outcome"], payload=payload, envelope=envelope):
        return False, f"leaf {index} does not commit to the counter-verdict posted"
    pinned = "the pinned" if pin_key is not None else "the served (not pinned)"
    return True, f"leaf {index} is included in the tree head of size {head.tree_size} signed by {pinned} log key"
