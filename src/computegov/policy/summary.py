"""Counts over a batch of export-control classifications (``computegov policy classify --all``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from computegov.policy.classification import Classification

__all__ = ["BatchSummary", "summarize"]


@dataclasses.dataclass(frozen=True)
class BatchSummary:
    """Counts over a batch of classifications under one rule (``classify --all``).

    Attributes:
        rule: rule version id.
        total: number of chips.
        by_status: chips per status (controlled, not_controlled, indeterminate), all three keys.
        by_eccn: controlled chips per paragraph.
        missing: indeterminate chips per missing fact's option (a chip may count under several).
    """

    rule: str
    total: int
    by_status: Mapping[str, int]
    by_eccn: Mapping[str, int]
    missing: Mapping[str, int]

    def describe(self) -> str:
        """e.g. ``172 chips: 65 controlled (3A090.a 59, 3A090.b 6), 86 not controlled, ...``."""
        eccns = ", ".join(f"{k} {v}" for k, v in self.by_eccn.items())
        text = (
            f"{self.total} chips under {self.rule}: {self.by_status['controlled']} controlled"
            + (f" ({eccns})" if eccns else "")
            + f", {self.by_status['not_controlled']} not controlled,"
            f" {self.by_status['indeterminate']} indeterminate"
        )
        if self.missing:
            text += " (missing: " + ", ".join(f"{k} {v}" for k, v in self.missing.items()) + ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "rule": self.rule,
            "total": self.total,
            "by_status": dict(self.by_status),
            "by_eccn": dict(self.by_eccn),
            "missing": dict(self.missing),
        }


def summarize(results: Sequence[Classification]) -> BatchSummary:
    """Count a batch of classifications of one rule version by status, paragraph and missing fact.

    Raises:
        ValueError: the results are of different rule versions.
    """
    rules = {r.rule for r in results}
    if len(rules) > 1:
        raise ValueError(f"classifications of several rule versions: {sorted(rules)}")
    by_status = dict.fromkeys(("controlled", "not_controlled", "indeterminate"), 0)
    by_eccn: dict[str, int] = {}
    missing: dict[str, int] = {}
    for r in results:
        by_status[r.status] += 1
        if r.eccn is not None:
            by_eccn[r.eccn] = by_eccn.get(r.eccn, 0) + 1
        for _fact, option in r.missing:
            missing[option] = missing.get(option, 0) + 1
    return BatchSummary(
        rule=next(iter(rules), ""),
        total=len(results),
        by_status=by_status,
        by_eccn=dict(sorted(by_eccn.items())),
        missing=dict(sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
