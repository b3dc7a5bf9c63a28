"""Achievable utilisation per chip family, from published training runs.

``data/utilisation_evidence.yaml`` lists chip families (matched by name), the kernel-level
(communication-free) MFU range the planner's scaling model starts from, and the published runs
behind it (MFU, chips, software stack, source, date). A chip with no family keeps its hardware
generation's default (``cost_assumptions.yaml``, ``mfu_by_generation``) with the low end widened
to ``no_evidence.low_share_of_central`` of the central value, and :class:`KernelMfu` says so.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from computegov.costs import Range, default_assumptions
from computegov.errors import DataError, InputError
from computegov.inputyaml import load_bundled_yaml

if TYPE_CHECKING:
    from pathlib import Path

    from computegov.catalog import Chip

__all__ = ["EVIDENCE_FILE", "Evidence", "EvidenceTable", "KernelMfu", "kernel_mfu_for", "load_evidence"]

EVIDENCE_FILE = "utilisation_evidence.yaml"


@dataclasses.dataclass(frozen=True)
class Evidence:
    """One published run: what MFU it reached, on what, with what software."""

    run: str
    mfu_low: float
    mfu_high: float
    stack: str
    source: str
    date: str


@dataclasses.dataclass(frozen=True)
class KernelMfu:
    """The kernel MFU a chip starts from and why.

    Attributes:
        value: kernel MFU (low, central, high), fraction of dense peak.
        family: matched chip family, or None when no published run covers the chip.
        evidence: the published runs behind ``value``.
        note: one sentence for the plan's notes.
    """

    value: Range
    family: str | None
    evidence: tuple[Evidence, ...]
    note: str

    @property
    def has_evidence(self) -> bool:
        """A published run covers the chip's family."""
        return self.family is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "kernel_mfu": self.value.to_dict(),
            "family": self.family,
            "evidence": [dataclasses.asdict(e) for e in self.evidence],
            "note": self.note,
        }


_Family = tuple[str, tuple[str, ...], Range, tuple[Evidence, ...]]
#: (low share of central for chips without evidence, families in match order).
EvidenceTable = tuple[float, tuple[_Family, ...]]


def _parse(raw: Any, path: str) -> EvidenceTable:
    if not isinstance(raw, dict) or not isinstance(raw.get("families"), list):
        raise DataError("expected a mapping with a 'families' list", path=path, field="families")
    families = []
    for i, fam in enumerate(raw["families"]):
        try:
            k = fam["kernel_mfu"]
            evidence = tuple(
                Evidence(
                    run=str(e["run"]),
                    mfu_low=float(e["mfu"][0]),
                    mfu_high=float(e["mfu"][1]),
                    stack=str(e["stack"]),
                    source=str(e["source"]),
                    date=str(e["date"]),
                )
                for e in fam.get("evidence", [])
            )
            value = Range.of((k["low"], k["central"], k["high"]))
            if not 0 < value.low <= value.high <= 1:
                raise ValueError(f"kernel_mfu must be fractions in (0, 1], got {value}")
            families.append((str(fam["name"]), tuple(str(m) for m in fam["match"]), value, evidence))
        except (KeyError, TypeError, ValueError, IndexError, InputError) as err:
            raise DataError(
                f"bad family entry: {err}", path=path, row=i + 1, field="families"
            ) from err
    share = float(raw.get("no_evidence", {}).get("low_share_of_central", 0.6))
    return share, tuple(families)


@functools.cache
def _table() -> EvidenceTable:
    from importlib import resources


    text = resources.files("computegov.data").joinpath(EVIDENCE_FILE).read_text("utf-8")
    return _parse(load_bundled_yaml(text), EVIDENCE_FILE)


def load_evidence(path: Path) -> EvidenceTable:
    """A user's evidence table (same schema as the bundled one); its families match first.

    Raises:
        DataError: unreadable file or a bad entry (names the row and field).
    """
    from computegov.inputyaml import read_input_yaml  # regular file, size cap, limited YAML

    raw = read_input_yaml(path, what="utilisation evidence file")
    share, mine = _parse(raw, str(path))
    return share, (*mine, *_table()[1])


def kernel_mfu_for(chip: Chip, table: EvidenceTable | None = None) -> KernelMfu:
    """The kernel MFU range of ``chip``: its family's evidence, else the widened generation default.

    Args:
        chip: the accelerator.
        table: evidence table (default: bundled; :func:`load_evidence` adds a user's).
    """
    share, families = table or _table()
    names = (chip.name, *chip.aliases)
    for family, patterns, value, evidence in families:
        if any(p.lower() in n.lower() for p in patterns for n in names):
            runs = "; ".join(f"{e.run} ({e.source})" for e in evidence)
            return KernelMfu(value, family, evidence, f"utilisation from {family} evidence: {runs}")
    generation = default_assumptions().mfu_for(chip.release_date)
    g = generation.value
    widened = Range(min(g.low, share * g.central), g.central, g.high)
    return KernelMfu(
        widened,
        None,
        (),
        f"no published at-scale utilisation for {chip.name}: generation default "
        f"({generation.name}, central {g.central:.2f}) with the low end widened to "
        f"{widened.low:.2f} (software stack unproven at scale)",
    )
