"""The measured method: compute read from a meter / ledger compute report.

Reads the signed ``ComputeReport`` of :mod:`computegov.ledger.report` in any of its forms (object,
``to_dict()``, DSSE envelope, in-toto Statement) or a plain dict; see :func:`measured_estimate`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from computegov.compute.result import ComputeEstimate
from computegov.compute.run import PHASES
from computegov.errors import InputError

__all__ = ["MEASURED_INTERVAL_FRACTION", "measured_estimate", "measured_threshold_positions"]

log = logging.getLogger(__name__)

#: 90 % half-width of a measured figure without its own interval, as a fraction (±5 %).
#: Assumption: a meter counting the matmul FLOP of the model misses only small elementwise work.
MEASURED_INTERVAL_FRACTION = 0.05

#: Where a plain compute report's total may sit, first match wins.
_FLOP_KEYS = ("flop", "flop_total", "total_flop")
_NESTS = ("totals", "summary", "predicate", "report")


def _find(report: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if key in report and report[key] is not None:
            return report[key]
    for nest in _NESTS:
        inner = report.get(nest)
        if isinstance(inner, Mapping):
            found = _find(inner, keys)
            if found is not None:
                return found
    return None


def _statement_of_envelope(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    """The in-toto Statement inside a DSSE envelope (decoded only; signatures are not checked)."""
    import base64
    import binascii
    import json

    try:
        statement = json.loads(base64.b64decode(str(envelope["payload"]), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise InputError(f"compute report: the DSSE payload is not base64 of a JSON Statement ({err})") from err
    if not isinstance(statement, Mapping):
        raise InputError("compute report: the DSSE payload is not a JSON object (an in-toto Statement)")
    return statement


def _report_predicate(report: Any) -> Mapping[str, Any] | None:
    """The ledger predicate of a ComputeReport in any of its forms, or None for a plain report.

    Forms: the ledger's ``ComputeReport`` object (has ``predicate``), its ``to_dict()``
    (``{"envelope", "statement"}``), the DSSE envelope as parsed JSON (``payload`` +
    ``payloadType``), or the in-toto Statement itself (``_type`` + ``predicate``).
    """
    predicate = getattr(report, "predicate", None)
    if isinstance(predicate, Mapping) and not isinstance(report, Mapping):
        return predicate
    if not isinstance(report, Mapping):
        return None
    statement: Any = None
    if isinstance(report.get("statement"), Mapping):
        statement = report["statement"]
    elif "payload" in report and "payloadType" in report:
        statement = _statement_of_envelope(report)
    elif "_type" in report and isinstance(report.get("predicate"), Mapping):
        statement = report
    if statement is None:
        return None
    inner = statement.get("predicate")
    if not isinstance(inner, Mapping):
        raise InputError("compute report: the in-toto Statement has no predicate object")
    return inner


def _section(predicate: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = predicate.get(key)
    return value if isinstance(value, Mapping) else {}


def _report_phase(value: Any, default: str) -> str:
    """The phase a report names (one of PHASES), else ``default``."""
    if value is None or value == "":
        return default
    if value not in PHASES:
        raise InputError(f"compute report: phase {value!r}: expected one of {', '.join(PHASES)}")
    return str(value)


def _measured_from_predicate(predicate: Mapping[str, Any], *, phase: str, name: str) -> ComputeEstimate:
    """A measured estimate from a ledger ComputeReport predicate (see computegov.ledger.report)."""
    totals = predicate.get("totals")
    if not isinstance(totals, Mapping):
        raise InputError("compute report: the predicate has no 'totals' object with a 'flop' total")
    try:
        flop = float(totals.get("flop"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise InputError(f"compute report: totals.flop must be a number of FLOP, got {totals.get('flop')!r}") from err
    if not (math.isfinite(flop) and flop > 0):
        raise InputError(f"compute report: totals.flop must be positive FLOP, got {flop!r}")
    by_method_raw = totals.get("flop_by_method")
    by_method = {
        str(k): float(v)
        for k, v in (by_method_raw.items() if isinstance(by_method_raw, Mapping) else ())
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
    }
    low = flop * (1 - MEASURED_INTERVAL_FRACTION)
    high = flop * (1 + MEASURED_INTERVAL_FRACTION)
    assumptions = [
        f"meter total ±{MEASURED_INTERVAL_FRACTION:.0%} (computegov assumption, not calibrated: Epoch AI's notable-models data hold no meter measurements to check it against)"
        + (f", widened to span the meter's methods ({', '.join(sorted(by_method))})" if by_method else "")
    ]
    if by_method:
        low, high = min(low, *by_method.values()), max(high, *by_method.values())
    unknown = totals.get("intervals_flop_unknown")
    if isinstance(unknown, int) and unknown > 0:
        assumptions.append(
            f"{unknown} of {totals.get('intervals', '?')} meter intervals had no FLOP count: "
            "the total is a lower bound"
        )
        log.warning("%s: %d meter intervals without FLOP; the measured total is a lower bound", name, unknown)
    assumptions.append(
        "signatures and hash chain not checked here; run `computegov verify` on the report"
    )
    hardware, ledger, signer, run = (_section(predicate, key) for key in ("hardware", "ledger", "signer", "run"))
    inputs: dict[str, Any] = {
        "report_flop": flop,
        "flop_by_method": by_method,
        "steps": totals.get("steps"),
        "tokens": totals.get("tokens"),
        "duration_s": totals.get("duration_s"),
        "chip_hours": totals.get("chip_hours"),
        "energy_j": totals.get("energy_j"),
        "chip": hardware.get("chip"),
        "chip_count": hardware.get("chip_count"),
        "ledger_head_hash": ledger.get("head_hash"),
        "signer_keyid": signer.get("keyid"),
    }
    return ComputeEstimate(
        flop=flop,
        flop_low=low,
        flop_high=high,
        method="measured",
        phase=_report_phase(run.get("phase"), phase),
        name=str(run.get("model") or name) if name == "run" else name,
        formula="measured by the compute meter (signed ComputeReport)",
        inputs={k: v for k, v in inputs.items() if v is not None},
        assumptions=tuple(assumptions),
    )


def measured_estimate(report: Mapping[str, Any] | Any, *, phase: str = "pre-training", name: str = "run") -> ComputeEstimate:
    """Compute from a meter / ledger compute report.

    Two kinds of report are read:

    - the ledger's signed ``ComputeReport`` (:mod:`computegov.ledger.report`): the object, its
      ``to_dict()``, the DSSE envelope as parsed JSON, or the in-toto Statement. FLOP come from
      ``predicate.totals.flop``; the 90 % interval is ±5 % (:data:`MEASURED_INTERVAL_FRACTION`),
      widened to include every total in ``totals.flop_by_method`` (e.g. the meter's counted FLOP
      and its 6·N·D figure). The envelope is decoded, not verified: ``computegov verify`` does that.
    - a plain dict: ``flop`` (or ``flop_total`` / ``total_flop``), FLOP, at the top level or under
      ``totals``, ``summary``, ``predicate`` or ``report``; optional ``flop_low`` and ``flop_high``
      (its 90 % interval, else ±5 %); optional ``phase``.

    Args:
        report: the report (see above).
        phase: training phase when the report does not say.
        name: label of the estimate.

    Raises:
        InputError: no positive FLOP total in the report, or a malformed envelope.
    """
    predicate = _report_predicate(report)
    if predicate is not None:
        return _measured_from_predicate(predicate, phase=phase, name=name)
    if not isinstance(report, Mapping) and hasattr(report, "to_dict"):
        report = report.to_dict()
    if not isinstance(report, Mapping):
        raise InputError("a compute report must be a mapping (JSON object) with a 'flop' total")
    raw = _find(report, _FLOP_KEYS)
    try:
        flop = float(raw)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"compute report: expected a numeric 'flop' total (FLOP), got {raw!r}; keys: {sorted(report)}"
        ) from err
    if not (math.isfinite(flop) and flop > 0):
        raise InputError(f"compute report: 'flop' must be positive, got {flop!r}")
    low, high = _find(report, ("flop_low",)), _find(report, ("flop_high",))
    assumptions = []
    if low is None or high is None:
        low, high = flop * (1 - MEASURED_INTERVAL_FRACTION), flop * (1 + MEASURED_INTERVAL_FRACTION)
        assumptions.append("no interval in the report: ±5% assumed (computegov assumption, not calibrated against data)")
    try:
        low_f, high_f = float(low), float(high)
    except (TypeError, ValueError) as err:
        raise InputError(f"compute report: flop_low / flop_high must be numbers, got {low!r}, {high!r}") from err
    if not (math.isfinite(low_f) and math.isfinite(high_f) and 0 < low_f <= flop <= high_f):
        raise InputError(
            f"compute report: expected 0 < flop_low <= flop <= flop_high, got {low_f:g}, {flop:g}, {high_f:g}"
        )
    phase = _report_phase(report.get("phase"), phase)
    return ComputeEstimate(
        flop=flop,
        flop_low=low_f,
        flop_high=high_f,
        method="measured",
        phase=phase,
        name=name,
        formula="measured by the compute meter",
        inputs={"report_flop": flop},
        assumptions=tuple(assumptions),
    )


def measured_threshold_positions(total_flop: float | None) -> list[dict[str, Any]]:
    """A measured total (a registered report's FLOP) against each compute threshold in force today.

    :func:`measured_estimate` (±5 % unless the report gives an interval), then
    :func:`computegov.policy.thresholds.check`; each check as its ``to_dict()``. Empty when the
    report states no positive total.
    """
    if total_flop is None or total_flop <= 0:
        return []
    from computegov.policy import thresholds

    return [c.to_dict() for c in thresholds.check(measured_estimate({"flop": total_flop}))]
