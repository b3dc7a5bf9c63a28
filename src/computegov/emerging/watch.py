"""The watch list: paradigms ranked by expected uplift = probability x multiplier x relevance.

The multiplier of a paradigm is the median, taken in log10 (so two entries give their geometric
mean), of the ratios to the record (at each entry's date, 16-bit equivalent) of its comparable
register entries on one trend metric (optionally only entries of the evidence kinds the user
trusts, e.g. peer-reviewed measurements, so a press release need not move the ranking). The probability and the
relevance are the user's: the register holds evidence, not odds, so no probability is assumed. A
paradigm without a probability, or without a comparable entry, is listed unranked with the reason.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from computegov.emerging.compare import Comparison
from computegov.emerging.register import EVIDENCE_KINDS, PARADIGMS, check_paradigm
from computegov.errors import InputError

__all__ = ["WatchItem", "parse_weights", "watch_list"]


@dataclasses.dataclass(frozen=True)
class WatchItem:
    """One paradigm on the watch list.

    Attributes:
        paradigm: the paradigm.
        probability: the user's P(it reaches production), or None.
        multiplier: median (in log10) ratio to the record of its comparable entries, or None.
        relevance: the user's weight for relevance to AI training/inference (default 1).
        expected_uplift: probability x multiplier x relevance, or None (unranked).
        expected_ooms: probability x log10(multiplier) x relevance (orders of magnitude), or None.
        entries: the comparable entries behind the multiplier.
        evidence: the evidence kind of each of ``entries`` (same order).
        note: why unranked, or what the multiplier rests on.
    """

    paradigm: str
    probability: float | None
    multiplier: float | None
    relevance: float
    expected_uplift: float | None
    expected_ooms: float | None
    entries: tuple[str, ...]
    evidence: tuple[str, ...]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def _check_weights(weights: Mapping[str, float], what: str, high: float | None) -> None:
    for paradigm, value in weights.items():
        check_paradigm(paradigm)
        if not (math.isfinite(value) and value >= 0 and (high is None or value <= high)):
            bound = f"in [0, {high:g}]" if high is not None else "a non-negative number"
            raise InputError(f"{what} for {paradigm} must be {bound}, got {value:g}")


def watch_list(comparisons: Iterable[Comparison], probabilities: Mapping[str, float],
               relevance: Mapping[str, float] | None = None, metric: str = "flop_per_j",
               evidence: Collection[str] | None = None) -> list[WatchItem]:
    """Every paradigm, ranked by expected uplift (highest first), unranked ones last.

    Args:
        comparisons: the register's comparisons (:func:`~computegov.emerging.compare_claims`).
        probabilities: paradigm -> P(reaches production), each in [0, 1].
        relevance: paradigm -> weight >= 0 (default 1 for every paradigm).
        metric: the trend metric the multipliers are read on.
        evidence: the evidence kinds (:data:`~computegov.emerging.register.EVIDENCE_KINDS`) whose
            entries may set a multiplier; None: all of them.

    Raises:
        InputError: a probability outside [0, 1], a negative relevance or an unknown evidence kind.
        UnknownNameError: an unknown paradigm.
    """
    _check_weights(probabilities, "the probability", 1.0)
    _check_weights(relevance or {}, "the relevance", None)
    unknown = sorted(set(evidence or ()) - set(EVIDENCE_KINDS))
    if unknown:
        raise InputError(f"unknown evidence kind {', '.join(unknown)}; expected one of {', '.join(EVIDENCE_KINDS)}")
    kinds = set(EVIDENCE_KINDS if evidence is None else evidence)
    rows = [c for c in comparisons
            if c.comparable and c.trend_metric == metric and c.ratio_to_record and c.evidence in kinds]
    items = []
    for paradigm in PARADIGMS:
        mine = [c for c in rows if c.paradigm == paradigm]
        p = probabilities.get(paradigm)
        weight = (relevance or {}).get(paradigm, 1.0)
        logs = [math.log10(c.ratio_to_record) for c in mine if c.ratio_to_record]
        m = 10 ** statistics.median(logs) if logs else None
        ids = tuple(c.claim_id for c in mine)
        if m is None:
            among = "" if evidence is None else f" among {', '.join(sorted(kinds))} entries"
            note = f"no comparable register entry on {metric}{among}"
        elif p is None:
            note = "no probability given"
        else:
            note = f"log-median of {len(mine)} entr{'y' if len(mine) == 1 else 'ies'}: {', '.join(ids)}"
        uplift = ooms = None
        if m is not None and p is not None:
            uplift, ooms = p * m * weight, p * math.log10(m) * weight
        items.append(WatchItem(paradigm=paradigm, probability=p, multiplier=m, relevance=weight,
                               expected_uplift=uplift, expected_ooms=ooms, entries=ids,
                               evidence=tuple(c.evidence for c in mine), note=note))
    return sorted(items, key=lambda i: (i.expected_uplift is None, -(i.expected_uplift or 0.0)))


def parse_weights(values: Iterable[str], option: str = "--p") -> dict[str, float]:
    """``["photonic=0.2", ...]`` -> ``{"photonic": 0.2}`` (the ``PARADIGM=NUMBER`` form of ``--p``/``--relevance``).

    The paradigm names and ranges are checked by :func:`watch_list`.

    Raises:
        InputError: a value not of the form PARADIGM=NUMBER with a finite number (names ``option``).
    """
    out: dict[str, float] = {}
    for text in values:
        name, sep, number = text.partition("=")
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not sep or not name.strip() or not math.isfinite(value):
            raise InputError(f"{option}: expected PARADIGM=NUMBER (e.g. photonic=0.2), got {text!r}")
        out[name.strip()] = value
    return out
