"""How dashboard pages write numbers: SI prefixes, scientific notation, a chip spec's labelled value.

Pure functions (no web framework), registered as Jinja filters by :mod:`computegov.web.pages`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["SPEC_LABELS", "sci", "si", "spec_value"]


def si(value: Any, unit: str = "", digits: int = 3) -> str:
    """A number in engineering notation with an SI prefix: ``9.89e14, 'FLOP/s'`` -> ``989 TFLOP/s``."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return f"0 {unit}".strip()
    prefixes = [(1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"),
                (1e6, "M"), (1e3, "k"), (1.0, "")]
    magnitude = abs(value)
    if unit in {"FLOP", ""} and magnitude >= 1e21:
        return f"{value:.{digits - 1}e} {unit}".strip()
    for scale, prefix in prefixes:
        if magnitude >= scale:
            return f"{value / scale:.{digits}g} {prefix}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


def spec_value(key: str, value: Any) -> str:
    """A chip field's value for people, with its unit: ``memory_bytes, 8e10`` -> ``80 GB``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float) or not math.isfinite(value):
        return str(value)
    if key.endswith("_bytes_per_s"):
        return si(value, "B/s")
    if key.endswith("_bytes"):
        return si(value, "B")
    if key.endswith("_w"):
        return si(value, "W")
    if key.endswith("_mm2"):
        return f"{value:,.4g} mm²"
    if key.endswith("_nm"):
        return f"{value:g} nm"
    if key == "transistors":
        return f"{value / 1e9:.3g} billion"
    if key.endswith("_usd"):
        return f"{value:,.0f} USD"
    if key.endswith("_year"):
        return f"{value:.0f}"
    return f"{value:g}"


#: Chip fields in the order the chip page lists them, with their labels.
SPEC_LABELS: dict[str, str] = {
    "manufacturer": "Manufacturer",
    "kind": "Kind",
    "release_date": "Release date",
    "memory_bytes": "Memory",
    "memory_bandwidth_bytes_per_s": "Memory bandwidth",
    "intranode_bandwidth_bytes_per_s": "Intra-node interconnect bandwidth",
    "internode_bandwidth_bytes_per_s": "Inter-node network bandwidth",
    "die_area_mm2": "Die area",
    "tdp_w": "Thermal design power (TDP)",
    "process_nm": "Process node",
    "foundry": "Foundry",
    "transistors": "Transistors",
    "launch_price_usd": "Launch price",
    "launch_price_year": "Launch price year (USD of that year)",
    "datacenter": "Designed for the datacenter",
    "origin": "Record origin",
}


def sci(value: Any) -> str:
    """``6.3e+24`` style, or a dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    return f"{value:.3g}"
