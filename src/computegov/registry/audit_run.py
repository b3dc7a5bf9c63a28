"""One verifier's audit of a registered report: claim, replay, measure the cost, sign, post.

:func:`run_audit` is what ``computegov registry audit`` runs:

1. claim the report (a ``claim`` leaf of the transparency log; the token must be a verifier's);
2. download its envelope and ledger from the registry API;
3. choose how many segments to replay: given, or the hypergeometric audit budget
   (:func:`computegov.registry.auditbudget.segments_to_replay`) for a faked share ``f`` of the
   segments caught with probability ``>= confidence``; the segments are drawn uniformly at random
   *without* the "largest update" pick, because the budget's guarantee assumes a uniform draw;
4. replay them with the project's replay (:func:`computegov.ledger.replay.plan_replay` and
   :func:`~computegov.ledger.replay.replay_report`), in-process or on Ray;
5. measure what the replay cost (:func:`replay_cost`) and sign the counter-verdict with the
   verifier's Ed25519 key (DSSE, payload type :data:`~computegov.registry.logentries.COUNTER_VERDICT_TYPE`);
6. post it, and check that the registry logged it: its leaf is included in the served signed tree
   head (the head's signature is checked against the key the registry serves; pin the key with
   ``computegov log monitor`` for more).

A replay that fails, or cannot run because the report lacks a ledger, replay spec or checkpoints,
is posted all the same (``failed`` or ``incomplete``): that is what an independent verifier is for.
"""

from __future__ import annotations

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

__all__ = ["AuditResult", "ReplayCost", "counter_envelope", "replay_cost", "run_audit", "segments_for_audit"]


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
    """Chip-hours (``device_s / 3600``), energy and USD of a replay.

    Energy is the measured counter reading when there is one, else the cost model's facility
    energy per chip-hour of ``chip`` times the chip-hours. USD is the chip-hours times the cost
    model's central USD per chip-hour of ``chip`` (rental quote, else cost of ownership).

    Args:
        wall_s: the replay's wall time, s.
        device_s: device time summed over devices, s.
        chip: the :class:`~computegov.catalog.Chip` to price the replay on (None: no USD, no estimate).
        measured_energy_j: energy read from a counter during the replay, J (None: not measured).
        energy_note: how it was measured, or why not.
    """
    hours = device_s / S_PER_HOUR
    energy, measured, note = measured_energy_j, measured_energy_j is not None, energy_note
    usd = year = None
    usd_note = "no USD: no catalogued chip to price the replay on (give --chip)"
    if chip is not None:
        from computegov.costs import MissingCostDataError, chip_hour_price

        try:
            per_hour = chip_hour_price(chip)
        except MissingCostDataError as err:
            usd_note = f"no USD: {err}"
        else:
            usd, year = hours * float(per_hour.total_usd.central), per_hour.dollar_year
            usd_note = (f"{hours:.4g} chip-hours x {float(per_hour.total_usd.central):.3g} USD {year}/chip-hour, "
                        f"central {per_hour.mode} cost of {chip.name} ({per_hour.price_source})")
            if energy is None and per_hour.energy_j is not None:
                energy = hours * float(per_hour.energy_j.central)
                note = f"estimated: {hours:.4g} chip-hours x the cost model's facility energy per {chip.name}-hour"
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


def _replay(plan: Any, ray_address: str | None) -> tuple[Any, float, float, float | None, str]:
    """Run the plan; (result, wall s, device s, measured J or None, energy note)."""
    from computegov.ledger.replay import replay_report

    source = _measure_energy() if ray_address is None else None
    start_j = source.read_j() if source is not None and source.available else None
    t0 = time.perf_counter()
    result = replay_report(plan, ray_address=ray_address)
    wall_s = time.perf_counter() - t0
    measured = source.read_j() - start_j if source is not None and start_j is not None else None
    if source is not None:
        device_s = wall_s  # one device, segments in sequence (the calibration repeat included)
        note = (f"measured: {source.name} counter ({source.scope}) over the replay" if measured is not None
                else f"not measured ({source.reason or 'no counter'})")
    else:  # each Ray task's own time; the calibration repeat counted as the first segment again
        durations = [s.duration_s for s in result.segments]
        device_s = sum(durations) + (durations[0] if durations else 0.0)
        note = "not measured (replayed on Ray workers)"
    return result, wall_s, device_s, measured, note


def run_audit(client: RegistryClient, digest: str, signer: Any, checkpoints_dir: Path, *,
              ray_address: str | None = None, segments: int | None = None, fake_fraction: float | None = None,
              confidence: float | None = None, seed: int = 0, chip: Any = None,
              trust_trainers: Sequence[str] = (), pin_key: Any = None) -> AuditResult:
    """Claim, replay, price, sign and post a counter-verdict on report ``digest`` (see the module docstring).

    Raises:
        InputError: unreachable registry, unknown report (:class:`~computegov.registry.errors.NotFoundError`),
            a token that is not a verifier's, bad segment options, Ray missing or unreachable.
    """
    import numpy as np

    from computegov.ledger.replay import plan_replay

    segments_for_audit(1_000_000, segments=segments, fake_fraction=fake_fraction, confidence=confidence)
    claim = client.claim(digest)
    served = client.report(digest)
    report_bytes = _report_file(served)
    if chip is None:
        chip = _report_chip(served)
    ledger = client.ledger(digest)
    outcome, notes, replay, result = "incomplete", [], None, None
    total: int | None = None
    cost = replay_cost(0.0, 0.0, chip, None, "nothing replayed")
    n = 0
    if ledger is None:
        notes.append("the report was submitted without a ledger: nothing to replay")
    else:
        try:
            full = plan_replay(report_bytes, ledger, sample_rate=1.0, largest=0, checkpoints_dir=checkpoints_dir,
                               trust_trainers=tuple(trust_trainers))
            total = full.total_segments
            n = segments_for_audit(total, segments=segments, fake_fraction=fake_fraction, confidence=confidence)
            plan = plan_replay(report_bytes, ledger, sample_rate=(n - 0.5) / total, largest=0,
                               rng=np.random.default_rng(seed), checkpoints_dir=checkpoints_dir,
                               trust_trainers=tuple(trust_trainers))
        except LedgerError as err:
            outcome = "failed"
            notes.append(f"the ledger cannot be replayed: {err}")
        except InputError as err:  # no replay spec, too few checkpoints, a trainer not trusted here
            notes.append(f"nothing replayed: {err}")
        else:
            result, wall_s, device_s, measured, note = _replay(plan, ray_address)
            outcome, replay = result.outcome, result.to_dict()
            cost = replay_cost(wall_s, device_s, chip, measured, note)
            notes += list(result.notes)
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
               "chip": cost.chip, "energy_note": cost.energy_note[:300], "usd_note": cost.usd_note[:300]}
    envelope = counter_envelope(payload, signer)
    posted = client.post_verdict(digest, envelope)
    included, note = _check_included(client, posted, payload, envelope, pin_key)
    return AuditResult(digest, claim, payload, posted, included, note, replay)


def _report_file(served: dict[str, Any]) -> bytes:
    """The report file's bytes: the served envelope in the ledger's canonical encoding."""
    from computegov.ledger.records import canonical_json

    return bytes(canonical_json(served.get("envelope") or {})) + b"\n"


def _report_chip(served: dict[str, Any]) -> Any:
    """The report's chip when the catalogue knows it (None otherwise)."""
    from computegov.catalog import load_catalog
    from computegov.ledger.report import parse_report

    try:
        name = parse_report(_report_file(served)).predicate.get("hardware", {}).get("chip")
        return load_catalog().get(str(name)) if name else None
    except Exception:  # an unparsable report or an unknown chip: priced only with --chip
        return None


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
