"""Options and number parsing shared by the ``computegov policy`` commands.

Split from :mod:`computegov.cli.policy` (which holds ``classify`` and ``history``) and
:mod:`computegov.cli.policy_rules` (``rules``, ``whatif``, ``chart``).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import CATALOG_OPTION, shared_options
from computegov.policy.facts import (
    MAX_DIE_AREA_MM2,
    MAX_IO_BANDWIDTH_BYTES_PER_S,
    MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2,
    MAX_TPP,
    MIN_DIE_AREA_MM2,
)

__all__ = [
    "DATACENTER_OPTION",
    "DIE_AREA_OPTION",
    "DRAM_OPTION",
    "IO_OPTION",
    "MAX_DRAM_GB_PER_S",
    "MAX_HBM_GB_PER_S_PER_MM2",
    "MAX_IO_GB_PER_S",
    "RULE_OPTION",
    "TPP_OPTION",
    "FactOptions",
    "fact_options",
    "fmt",
    "number",
    "outcome",
]

#: Most GB/s of aggregate I/O and of HBM bandwidth density a user may type (see policy.facts).
MAX_IO_GB_PER_S = MAX_IO_BANDWIDTH_BYTES_PER_S / 1e9
MAX_HBM_GB_PER_S_PER_MM2 = MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2 / 1e9
#: Most GB/s of total DRAM bandwidth a user may type (the same sanity bound as I/O, see policy.facts).
MAX_DRAM_GB_PER_S = MAX_IO_BANDWIDTH_BYTES_PER_S / 1e9


RULE_OPTION = typer.Option(
    None, "--rule", help="Rule version, e.g. 2023-10 (default: the rule in force)."
)
TPP_OPTION = typer.Option(
    None,
    "--tpp",
    help=f"Total processing performance to use (TOPS x bits), e.g. 4800 or 4.8k; at most {MAX_TPP:g}.",
)
DIE_AREA_OPTION = typer.Option(
    None,
    "--die-area",
    help=f"Applicable die area, mm^2; at least {MIN_DIE_AREA_MM2:g}, at most {MAX_DIE_AREA_MM2:g}.",
)
IO_OPTION = typer.Option(
    None,
    "--io-bandwidth",
    "--bandwidth",
    help=f"Aggregate bidirectional I/O bandwidth, GB/s (2022 rule); at most {MAX_IO_GB_PER_S:g}.",
)
DATACENTER_OPTION = typer.Option(
    None, "--datacenter/--not-datacenter", help="Designed or marketed for use in datacenters."
)
DRAM_OPTION = typer.Option(
    None,
    "--dram-bandwidth",
    help="Total DRAM (HBM) bandwidth, GB/s, tested by licence review policies (2026-01: 6,500);"
    f" default: the catalogue's memory bandwidth; at most {MAX_DRAM_GB_PER_S:g}.",
)

_STYLE = {"controlled": "bold red", "not_controlled": "green", "indeterminate": "yellow"}


def number(
    text: str | None,
    what: str,
    *,
    unit: str | None = None,
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    """Parse an option's number.

    With ``unit`` (for options converted before the library sees them, e.g. GB/s to bytes/s),
    negative values are refused here; values below ``low`` or above ``high`` (in the option's
    own unit) always are: the message quotes the user's own number, unit and option.
    """
    from computegov.errors import InputError
    from computegov.units import parse_quantity

    if text is None:
        return None
    value = parse_quantity(text, what=what)
    if unit is not None and (not math.isfinite(value) or value < 0):
        raise InputError(f"{what}: expected a non-negative number of {unit}, got {text!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = [f"at least {low:g}" if low is not None else "", f"at most {high:g}" if high is not None else ""]
        expected = " and ".join(b for b in bounds if b) + (f" {unit}" if unit else "")
        raise InputError(f"{what}: expected {expected}, got {text!r}")
    return value


def fmt(value: float | None, digits: int = 4) -> str:
    """A number for tables: thousands separators, ``—`` for None, ``∞`` for infinity."""
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:,.0f}" if abs(value) >= 10 ** (digits - 1) else f"{value:,.{digits}g}"


@dataclasses.dataclass(frozen=True)
class FactOptions:
    """Facts given over the catalogue's, shared by ``classify`` and ``history``."""

    tpp: str | None = TPP_OPTION
    die_area: str | None = DIE_AREA_OPTION
    io_bandwidth: str | None = IO_OPTION
    datacenter: bool | None = DATACENTER_OPTION
    dram_bandwidth: str | None = DRAM_OPTION
    catalog_file: Path | None = CATALOG_OPTION

    def given(self) -> list[str]:
        """The fact options given on the command line."""
        options: dict[str, object] = {"--tpp": self.tpp, "--die-area": self.die_area}
        options |= {"--io-bandwidth": self.io_bandwidth, "--datacenter": self.datacenter}
        options |= {"--dram-bandwidth": self.dram_bandwidth}
        return [name for name, value in options.items() if value is not None]

    def facts(self, chip: Any) -> Any:
        """The chip's export-control facts, these options overriding the catalogue."""
        from computegov.policy.export_control import facts_from_chip

        io_gb = number(self.io_bandwidth, "--io-bandwidth", unit="GB/s", high=MAX_IO_GB_PER_S)
        dram_gb = number(self.dram_bandwidth, "--dram-bandwidth", unit="GB/s", high=MAX_DRAM_GB_PER_S)
        if dram_gb == 0:
            from computegov.errors import InputError

            raise InputError(f"--dram-bandwidth: expected a positive number of GB/s, got {self.dram_bandwidth!r}")
        return facts_from_chip(
            chip,
            tpp=number(self.tpp, "--tpp", high=MAX_TPP),
            die_area_mm2=number(self.die_area, "--die-area", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2),
            io_bandwidth_bytes_per_s=None if io_gb is None else io_gb * 1e9,
            datacenter=self.datacenter,
            dram_bandwidth_bytes_per_s=None if dram_gb is None else dram_gb * 1e9,
        )


fact_options = shared_options("given", FactOptions)


def outcome(result: Any) -> str:
    """The classification's outcome in its colour."""
    return f"[{_STYLE[result.status]}]{result.outcome}[/{_STYLE[result.status]}]"
