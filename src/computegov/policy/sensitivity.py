"""How a licence answer depends on a disputed catalogue value: the outcome under each reading.

Where sources disagree and none settles it (a chip's ``disputed`` fields, e.g. the MI308X's memory
bandwidth: 5.3 TB/s by computegov's reading, 10.3 TB/s in the source table), the answer is given
under both readings so an analyst can see whether the dispute matters.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from computegov.policy.licensing import licence_for
from computegov.policy.rules import Rule
from computegov.policy.tpp import tpp_of_chip

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = ["ReadingOutcome", "disputed_readings"]


@dataclasses.dataclass(frozen=True)
class ReadingOutcome:
    """The licence answer under one reading of a disputed value.

    Attributes:
        chip: catalogue name.
        field: the disputed field.
        reading: ``computegov`` (the catalogue's value) or ``source table``.
        value: the value under this reading.
        destination: ISO code.
        rule: rule version id.
        outcome: the classification outcome.
        licence_required: True, False or None (undecided).
        review_policy: the review policy (None when no licence is needed or undecided).
        reason: the answer in one line.
        assumption: what else was assumed (e.g. the TPP used), empty if nothing.
    """

    chip: str
    field: str
    reading: str
    value: Any
    destination: str
    rule: str
    outcome: str
    licence_required: bool | None
    review_policy: str | None
    reason: str
    assumption: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def _with(chip: Chip, field: str, value: Any) -> Chip:
    if field.startswith("peak_flop_per_s."):
        peaks = dict(chip.peak_flop_per_s)
        precision = field.split(".", 1)[1]
        if value is None:
            peaks.pop(precision, None)
        else:
            peaks[precision] = value
        return dataclasses.replace(chip, peak_flop_per_s=peaks)
    return dataclasses.replace(chip, **{field: value})


def disputed_readings(
    chip: Chip, *, destination: str = "CN", rule: Rule | str | None = None
) -> tuple[ReadingOutcome, ...]:
    """The licence answer for ``destination`` under each reading of each disputed field of ``chip``.

    When the catalogue has no rates to compute a TPP from but the source table had some (removed
    as unsourced placeholders), those are restored for this comparison only and the assumption is
    stated, so the dispute over the other field can be seen on its own.
    """
    base = chip
    assumption = ""
    if tpp_of_chip(chip) is None:
        restored = {f: v for f, v in chip.upstream_values.items() if f.startswith("peak_flop_per_s.") and v}
        for field, value in restored.items():
            base = _with(base, field, value)
        found = tpp_of_chip(base)
        if found is not None:
            assumption = (f"TPP {found.tpp:,.0f} from the source table's rates (not vendor figures; used here only "
                          "to isolate the disputed value)")
    out = []
    for field in chip.disputed:
        now = base.peak_flop_per_s.get(field.split(".", 1)[1]) if field.startswith("peak_flop_per_s.") \
            else getattr(base, field, None)
        for reading, value in (("computegov", now), ("source table", chip.upstream_values.get(field))):
            answer = licence_for(_with(base, field, value), destination, rule)
            out.append(ReadingOutcome(
                chip.name, field, reading, value, answer.destination, answer.rule,
                answer.classification.outcome, answer.licence_required, answer.review_policy,
                answer.reason, assumption,
            ))
    return tuple(out)
